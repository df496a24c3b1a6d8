package salesforce

import (
	"fmt"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// normalizeIDs normalises ids into a new slice; the error names the index.
func normalizeIDs(op string, ids []string) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		n, err := partner.NormalizeID(id)
		if err != nil {
			e := err.(*partner.Error)
			e.Op = op
			e.Message = fmt.Sprintf("ids[%d]: %s", i, e.Message)
			return nil, e
		}
		out[i] = n
	}
	return out, nil
}
