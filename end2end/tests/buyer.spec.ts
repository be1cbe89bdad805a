import { test, expect, Browser, Page } from "@playwright/test";
import * as fs from "fs";
import * as path from "path";
import { hydrated, signIn } from "./support";

// The demo's Knowledge Graph Memory tools (version 0.6.3), plus a destructive
// tool that version 0.7.0 adds.
const MEMORY = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../server/crates/services/demo/server-memory.json"), "utf8"),
);
const V070 = {
  tools: [
    ...MEMORY.tools,
    {
      name: "purge_graph",
      description: "Delete the entire knowledge graph: every entity, relation and observation. This cannot be undone.",
      inputSchema: { type: "object", properties: { confirm: { type: "boolean" } }, required: ["confirm"] },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
  ],
};

async function as(browser: Browser, baseURL: string | undefined, email: string): Promise<Page> {
  const ctx = await browser.newContext({ baseURL });
  const page = await ctx.newPage();
  await signIn(page, email);
  return page;
}

/** A reviewer finds the case in whichever queue it was routed to and approves it. */
async function approve(page: Page, caseName: string) {
  await page.goto("/console/queues");
  const teams = await page.locator("#queues a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  for (const href of teams) {
    await page.goto(href);
    const link = page.getByRole("link", { name: caseName });
    if ((await link.count()) === 0) continue;
    await link.first().click();
    await expect(page.locator("#decide-form")).toBeVisible();
    await hydrated(page);
    const d = page.locator("#decide-form");
    await d.getByLabel("Approve").check();
    await d.getByLabel("Justification").fill("A destructive tool, clearly declared.");
    for (const input of await d.getByPlaceholder("reason (needed to approve)").all()) {
      await input.fill("Reviewed by hand: declared destructive, admins must tick it.");
    }
    await d.getByRole("button", { name: "Record decision" }).click();
    await expect(page.locator("#decisions")).toContainText("Approved");
    return;
  }
  throw new Error(`no queue holds ${caseName}`);
}

test("a new version with an extra destructive tool waits until the tenant admin accepts it; then they rate the agent", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(150_000);

  // Tailspin's admin installs Knowledge Graph Memory with what comes ticked.
  await signIn(page, "admin@tailspin.example");
  await page.goto("/tenant/tailspin-retail/install/knowledge-graph-memory");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Install Knowledge Graph Memory");
  await hydrated(page);
  await expect(page.locator("#consent-tools tr[data-tool=purge_graph]")).toHaveCount(0);
  await page.getByRole("button", { name: "Install with these grants" }).click();
  await expect(page).toHaveURL(/\/tenant\/tailspin-retail$/);
  const row = page.locator("#installs tbody tr", { hasText: "Knowledge Graph Memory" });
  await expect(row).toContainText("active");
  await expect(row).toContainText("0.6.3");
  await expect(row.locator(".upgrade-available")).toHaveCount(0);
  const installId = (await row.getAttribute("data-install"))!;

  // A gateway token: purge_graph is no tool of the installed version.
  await page.goto("/orgs/tailspin-retail/tokens");
  await hydrated(page);
  const tokenForm = page.locator("#create-token-form");
  await tokenForm.getByLabel("Name", { exact: true }).fill("gateway");
  await tokenForm.getByRole("checkbox", { name: /authorize/ }).check();
  await tokenForm.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.locator("#new-token-secret").textContent())!.trim();
  const ask = async (tool: string) => {
    const res = await page.request.post("/api/v1/authorize", {
      headers: { Authorization: `Bearer ${secret}` },
      data: { install_id: installId, tool },
    });
    expect(res.status()).toBe(200);
    return res.json();
  };
  expect((await ask("purge_graph")).reason).toBe("unknown_tool");

  // The publisher submits 0.7.0 with the destructive tool; review approves it.
  const nadia = await as(browser, baseURL, "owner@northwind.example");
  await nadia.goto("/portal/northwind-labs/knowledge-graph-memory");
  await hydrated(nadia);
  const nv = nadia.locator("#new-version-form");
  await nv.getByLabel("Version number").fill("0.7.0");
  await nv.getByLabel("…or paste the manifest").fill(JSON.stringify(V070));
  await nv.getByRole("button", { name: "Create draft version" }).click();
  await expect(nadia).toHaveURL(/\/v\/0\.7\.0$/);
  await hydrated(nadia);
  await nadia.locator("#submit-form").getByRole("button", { name: "Submit for review" }).click();
  await expect(async () => {
    await nadia.reload();
    await expect(nadia.locator("#review-status")).toContainText("In review", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });

  const rafael = await as(browser, baseURL, "reviewer@steward.example");
  await approve(rafael, "Knowledge Graph Memory 0.7.0");
  if (!(await rafael.locator("#case-status").textContent())?.includes("Closed")) {
    // A case that needs two people: a second reviewer approves.
    const sofia = await as(browser, baseURL, "security@steward.example");
    await approve(sofia, "Knowledge Graph Memory 0.7.0");
  }
  await nadia.reload();
  await expect(nadia.locator("h1 .badge")).toHaveText("Published");

  // The public page's history says what 0.7.0 added.
  await page.goto("/listings/knowledge-graph-memory");
  await expect(page.locator("#version-history tr[data-version='0.7.0']")).toContainText(
    "Tools added: purge_graph (destructive)",
  );

  // The tenant stays pinned to 0.6.3: the new tool is still unknown.
  await page.goto("/tenant/tailspin-retail");
  const pinned = page.locator(`#installs tr[data-install='${installId}']`);
  await expect(pinned).toContainText("0.6.3");
  await expect(pinned.locator(".upgrade-available")).toHaveText("version 0.7.0 available");
  expect((await ask("purge_graph")).reason).toBe("unknown_tool");

  // The admin sees exactly the added tool, and must tick it to grant it.
  await pinned.locator(".upgrade-available").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Accept Knowledge Graph Memory 0.7.0");
  await expect(page.locator("#tools-added")).toHaveText("purge_graph (destructive)");
  await hydrated(page);
  const tools = page.locator("#upgrade-tools");
  await expect(tools.locator("tr[data-new=true]")).toHaveCount(1);
  const purge = tools.locator("tr[data-tool=purge_graph]");
  await expect(purge).toContainText("new");
  await expect(purge.locator("input[type=checkbox]")).not.toBeChecked();
  await expect(tools.locator("tr[data-tool=read_graph] input[type=checkbox]")).toBeChecked();
  await purge.locator("input[type=checkbox]").check();
  await page.getByRole("button", { name: "Accept 0.7.0 with these grants" }).click();
  await expect(page).toHaveURL(/\/tenant\/tailspin-retail$/);
  const moved = page.locator(`#installs tr[data-install='${installId}']`);
  await expect(moved).toContainText("0.7.0");
  await expect(moved).toContainText("purge_graph");
  await expect(moved.locator(".upgrade-available")).toHaveCount(0);
  expect((await ask("purge_graph")).decision).toBe("allow");

  // Then the admin rates the agent; the listing shows the average.
  await moved.getByRole("link", { name: "Knowledge Graph Memory" }).click();
  await expect(page.locator("#rate-form")).toBeVisible();
  await hydrated(page);
  const rate = page.locator("#rate-form");
  await rate.getByRole("button", { name: "Save rating" }).click();
  await expect(rate.locator(".field-error", { hasText: "Choose 1 to 5 stars." })).toBeVisible();
  await rate.getByLabel("4 stars").check();
  await rate.getByLabel("Review (optional)").fill("Does what it says; the purge tool is now ours to allow.");
  await rate.getByRole("button", { name: "Save rating" }).click();
  await expect(page.locator("#rating-saved")).toBeVisible();
  await page.goto("/listings/knowledge-graph-memory");
  await expect(page.locator("#rating-summary")).toContainText("4.0 out of 5");
  await expect(page.locator("#reviews")).toContainText("the purge tool is now ours to allow");
});
