package seed

// Word lists for generated data. Company names are combinations of made-up
// words; people's names are common given and family names; places are real
// cities with their postal codes and coordinates; phone numbers are in the
// 555-01xx range reserved for fiction.

var companyFirst = []string{
	"Blue Ridge", "Summit", "Northwind", "Evergreen", "Redwood", "Silverline", "Granite", "Harbor",
	"Pioneer", "Lakeside", "Crescent", "Ironwood", "Bright Path", "Cobalt", "Maple Leaf", "Sterling",
	"Aurora", "Keystone", "Riverbend", "Oakmont", "Trident", "Falcon", "Meridian", "Cedar Point",
	"Horizon", "Beacon", "Copper Creek", "Westfield", "Starlight", "Pinnacle", "Sunrise", "Bayview",
	"Orchard", "Quartz", "Highland", "Prairie", "Atlas", "Nova", "Vantage", "Clearwater",
}

var companySecond = []string{
	"Logistics", "Analytics", "Foods", "Energy", "Health", "Systems", "Manufacturing", "Media",
	"Financial", "Robotics", "Outfitters", "Biotech", "Construction", "Hospitality", "Telecom",
	"Consulting", "Motors", "Textiles", "Insurance", "Software", "Retail", "Labs", "Shipping",
	"Chemicals", "Agritech", "Education", "Partners", "Networks", "Instruments", "Pharmaceuticals",
}

var companySuffix = []string{"Inc.", "LLC", "Corp.", "Group", "Ltd.", "Co.", "Holdings", "GmbH", "S.A.", "PLC"}

var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
	"Wei", "Priya", "Ahmed", "Fatima", "Hiroshi", "Yuki", "Lukas", "Sofia", "Mateo", "Amara",
	"Olivia", "Noah", "Emma", "Liam", "Ava", "Ethan", "Mia", "Lucas", "Chloe", "Aarav",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young",
	"Chen", "Patel", "Kim", "Nguyen", "Müller", "Schmidt", "Rossi", "Dubois", "O'Brien", "Tanaka",
}

var titles = []string{
	"CEO", "CFO", "CTO", "VP of Sales", "VP of Operations", "Director of IT", "Procurement Manager",
	"Head of Marketing", "Operations Manager", "Account Manager", "Software Engineer", "Purchasing Agent",
	"Office Manager", "Controller", "Product Manager", "Customer Success Lead",
}

var departments = []string{"Executive", "Finance", "IT", "Sales", "Operations", "Marketing", "Procurement", "Engineering", "Support"}

type place struct {
	city, state, postalCode, country string
	lat, lon                         float64
	phoneArea                        string
}

var places = []place{
	{"San Francisco", "CA", "94105", "United States", 37.7897, -122.3942, "415"},
	{"New York", "NY", "10013", "United States", 40.7209, -74.0007, "212"},
	{"Chicago", "IL", "60601", "United States", 41.8858, -87.6181, "312"},
	{"Austin", "TX", "78701", "United States", 30.2711, -97.7437, "512"},
	{"Seattle", "WA", "98101", "United States", 47.6101, -122.3344, "206"},
	{"Boston", "MA", "02110", "United States", 42.3572, -71.0513, "617"},
	{"Denver", "CO", "80202", "United States", 39.7525, -104.9995, "303"},
	{"Atlanta", "GA", "30303", "United States", 33.7528, -84.3915, "404"},
	{"Miami", "FL", "33131", "United States", 25.7663, -80.1917, "305"},
	{"Minneapolis", "MN", "55402", "United States", 44.9764, -93.2717, "612"},
	{"Portland", "OR", "97204", "United States", 45.5189, -122.6784, "503"},
	{"Phoenix", "AZ", "85004", "United States", 33.4515, -112.0685, "602"},
	{"Nashville", "TN", "37219", "United States", 36.1656, -86.7843, "615"},
	{"Raleigh", "NC", "27601", "United States", 35.7727, -78.6386, "919"},
	{"Toronto", "ON", "M5H 2N2", "Canada", 43.6511, -79.3832, "416"},
	{"Vancouver", "BC", "V6C 1T2", "Canada", 49.2869, -123.1147, "604"},
	{"London", "", "EC2V 7HH", "United Kingdom", 51.5152, -0.0921, "20"},
	{"Dublin", "", "D02 X285", "Ireland", 53.3389, -6.2595, "1"},
	{"Berlin", "", "10117", "Germany", 52.5163, 13.3777, "30"},
	{"Paris", "", "75002", "France", 48.8686, 2.3412, "1"},
	{"Amsterdam", "", "1012 JS", "Netherlands", 52.3731, 4.8922, "20"},
	{"Sydney", "NSW", "2000", "Australia", -33.8675, 151.2070, "2"},
	{"Singapore", "", "048619", "Singapore", 1.2834, 103.8513, "6"},
	{"Tokyo", "", "100-0005", "Japan", 35.6812, 139.7671, "3"},
}

var streetNames = []string{
	"Market St", "Main St", "Oak Ave", "Pine St", "Maple Ave", "Cedar Blvd", "Elm St", "Park Ave",
	"Washington St", "Lake Shore Dr", "Mission St", "Broadway", "Harbor Way", "Industrial Pkwy", "King St",
}

var products = []string{
	"Platform License", "Support Renewal", "Implementation", "Hardware Refresh", "Expansion",
	"Pilot", "Training Package", "Data Migration", "Premium Upgrade", "Multi-Year Agreement",
}

var caseSubjects = []string{
	"Cannot log in to the portal", "Invoice amount looks wrong", "Shipment arrived damaged",
	"Request for product documentation", "Integration returns error 500", "Password reset not received",
	"Upgrade failed halfway", "Question about contract renewal", "Device overheating", "Slow report loading",
	"Missing items in last order", "Feature request: bulk export",
}

var invoiceNotes = []string{
	"Net 30. Please reference the invoice number on payment.",
	"Partial shipment; balance to follow.",
	"Discount of 5% applied for early payment.",
	"Replaces a voided invoice issued in error.",
}
