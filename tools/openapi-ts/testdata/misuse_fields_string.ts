// want: TS2322
// fields is an array (sent repeated), not one string.
import createClient from "openapi-fetch";
import type { paths } from "./schema";
const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });
export async function run(): Promise<void> {
  await client.GET("/v1/sobjects/{sobject}/records/{id}", {
    params: { path: { sobject: "Account", id: "001000000000001AAA" }, query: { fields: "Id,Name" } },
  });
}
