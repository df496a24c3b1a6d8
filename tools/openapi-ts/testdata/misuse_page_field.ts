// want: TS2339
// The JSON page is typed, so a property it lacks is an error.
import createClient from "openapi-fetch";
import type { paths } from "./schema";
const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });
export async function run(): Promise<void> {
  const page = await client.POST("/v1/query", { body: { soql: "SELECT Id FROM Account" } });
  console.log(page.data?.lines);
}
