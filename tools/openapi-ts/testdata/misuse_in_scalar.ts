// want: TS2322
import type { components } from "./schema";
export const where: components["schemas"]["Condition"] = { field: "Industry", op: "in", value: "Energy" };
