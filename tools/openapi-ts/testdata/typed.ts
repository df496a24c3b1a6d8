// A program a caller would write against the generic contract: it must
// type-check. The JSON page of a query is typed (records, nextCursor), a
// where tree is built from the Condition union, no property with a
// documented default has to be sent, and fields is an array.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Condition = components["schemas"]["Condition"];

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

const where: Condition = {
  and: [
    { field: "Name", op: "like", value: "Ac%" },
    { not: { field: "Industry", op: "=", value: null } },
    { field: "Industry", op: "in", value: ["Energy", "Banking"] },
    { field: "AnnualRevenue", op: ">=", value: 1000000 },
    { field: "Regions__c", op: "includes", value: ["EMEA;APAC"] },
    { or: [{ field: "Phone", op: "!=" }, { field: "CreatedDate", op: "<", value: "2026-01-01T00:00:00Z" }] },
  ],
};

export async function run(): Promise<void> {
  const page = await client.POST("/v1/sobjects/{sobject}/query", {
    params: { path: { sobject: "Account" } },
    body: { fields: ["Id", "Name"], where, orderBy: [{ field: "Name" }] },
  });
  if (page.data) {
    const size: number = page.data.totalSize;
    const first: components["schemas"]["Record"] | undefined = page.data.records[0];
    const next: string | undefined = page.data.nextCursor;
    console.log(size, first, next);
  }
  const rec = await client.GET("/v1/sobjects/{sobject}/records/{id}", {
    params: { path: { sobject: "Account", id: "001000000000001AAA" }, query: { fields: ["Id", "Name"] } },
  });
  if (rec.error) {
    const code: string = rec.error.code;
    console.log(code);
  }
  await client.POST("/v1/sobjects/{sobject}/records/batch", {
    params: { path: { sobject: "Account" } },
    body: { operation: "create", records: [{ Name: "Acme" }] },
  });
}
