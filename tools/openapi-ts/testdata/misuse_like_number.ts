// want: TS2322
import type { components } from "./schema";
export const where: components["schemas"]["Condition"] = { field: "Name", op: "like", value: 1 };
