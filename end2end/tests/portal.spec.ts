import { test, expect } from "@playwright/test";
import { hydrated, signIn } from "./support";
import * as fs from "node:fs";
import * as path from "node:path";

// The shared corpus of real public data (see ../shared/corpus/SOURCES.md).
const CORPUS = process.env.STEWARD_CORPUS ?? path.resolve(__dirname, "../../../shared/corpus");
const corpusFile = (rel: string) => {
  const p = fs.existsSync(path.join(CORPUS, rel)) ? path.join(CORPUS, rel) : path.join("/work/shared/corpus", rel);
  if (!fs.existsSync(p)) throw new Error(`corpus file ${rel} not found; set STEWARD_CORPUS`);
  return p;
};

test("a publisher lists an agent, uploads real manifests, prices it, diffs two versions and submits", async ({ page }) => {
  const slug = `github-${Date.now().toString(36)}`;
  await signIn(page, "owner@northwind.example");
  await page.goto("/portal");
  await page.locator("#publisher-orgs").getByRole("link", { name: "Northwind Labs" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Northwind Labs: listings");
  await hydrated(page);

  // The listing form names what is wrong, field by field.
  const form = page.locator("#listing-form");
  await form.getByLabel("Name", { exact: true }).fill("GitHub for agents");
  await form.getByLabel("Short name (for addresses)").fill(slug);
  await form.getByLabel("Category").selectOption("developer-tools");
  await form.getByLabel("Summary (one line)").fill("Repositories, issues and pull requests");
  await form.getByLabel("Network hosts it reaches (one per line)").fill("https://api.github.com/v3");
  await form.getByRole("button", { name: "Create listing" }).click();
  await expect(form.locator(".field-error", { hasText: "is not a host name" })).toBeVisible();
  await form.getByLabel("Network hosts it reaches (one per line)").fill("api.github.com");
  await form.getByRole("button", { name: "Create listing" }).click();
  await expect(page).toHaveURL(new RegExp(`/portal/northwind-labs/${slug}$`));
  await expect(page.locator("#no-versions")).toBeVisible();
  await hydrated(page);

  // 1.0.0 from the real github-mcp-server server.json, uploaded as a file.
  const nv = page.locator("#new-version-form");
  await nv.getByLabel("Version number").fill("1.0.0");
  await nv.getByLabel("Upload a file").setInputFiles(corpusFile("mcp-tools/github-mcp-server/server.json"));
  await expect(nv.getByText("server.json loaded")).toBeVisible();
  await nv.getByRole("button", { name: "Create draft version" }).click();
  await expect(page).toHaveURL(new RegExp(`/portal/northwind-labs/${slug}/v/1\\.0\\.0$`));
  await expect(page.locator("#no-tools")).toBeVisible();
  await expect(page.locator("#packages")).toContainText("ghcr.io/github/github-mcp-server");
  await hydrated(page);

  // Its tools: the real tools/list answer of the GitHub MCP server.
  const tools = JSON.parse(fs.readFileSync(corpusFile("mcp-tools/live-tools-list/server-github.json"), "utf8"));
  const ad = page.locator("#add-document-form");
  await ad.getByLabel("Upload a file").setInputFiles(corpusFile("mcp-tools/live-tools-list/server-github.json"));
  await expect(ad.getByText("server-github.json loaded")).toBeVisible();
  await ad.getByRole("button", { name: "Add document" }).click();
  await expect(page.locator("#tools tbody tr")).toHaveCount(tools.tools.length);
  await expect(page.locator("#documents tbody tr")).toHaveCount(2);

  // A bad price is named; a usage-based one is shown as buyers will read it.
  const plan = page.locator("#plan-form");
  await plan.getByLabel("Plan name").fill("Pay as you go");
  await plan.getByLabel("How it charges").selectOption("usage");
  await plan.getByLabel("Currency").selectOption("USD");
  await plan.getByLabel("Price").fill("0.001");
  await plan.getByLabel("Meter (usage-based)").fill("tool_call");
  await plan.getByRole("button", { name: "Add plan" }).click();
  await expect(plan.locator(".field-error", { hasText: "two decimal places" })).toBeVisible();
  await plan.getByLabel("Price").fill("0.02");
  await plan.getByRole("button", { name: "Add plan" }).click();
  await expect(page.locator("#plans")).toContainText("USD 0.02 per tool_call");

  // 1.1.0: the same tools plus one destructive tool, pasted.
  tools.tools.push({
    name: "delete_repository",
    description: "Delete a repository. This cannot be undone.",
    inputSchema: { type: "object", properties: { owner: { type: "string" }, repo: { type: "string" } }, required: ["owner", "repo"] },
    annotations: { destructiveHint: true, readOnlyHint: false },
  });
  await page.getByRole("link", { name: "Back to GitHub for agents" }).click();
  await hydrated(page);
  const nv2 = page.locator("#new-version-form");
  await nv2.getByLabel("Version number").fill("1.1.0");
  await nv2.getByLabel("…or paste the manifest").fill(JSON.stringify(tools));
  // The label is previewed in the browser before anything is sent.
  const preview = nv2.locator("#nv-preview");
  await expect(preview).toContainText("Preview: what buyers will read");
  await expect(preview.locator("#label-items")).toContainText("delete_repository");
  await nv2.getByRole("button", { name: "Create draft version" }).click();
  await expect(page).toHaveURL(/\/v\/1\.1\.0$/);
  await expect(page.locator('#tools tr[data-tool="delete_repository"]')).toContainText("destructive");

  // The diff says what the new version adds.
  await page.locator("#compare-form").getByLabel("Compare with").selectOption("1.0.0");
  await page.locator("#compare-form").getByRole("button", { name: "Show changes" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("GitHub for agents: 1.0.0 → 1.1.0");
  await expect(page.locator("#tools-added")).toContainText("delete_repository");
  await expect(page.locator("#tools-added")).toContainText("destructive");
  await expect(page.locator("#diff-widens")).toBeVisible();
  await expect(page.locator("#price-changes")).toContainText("Pay as you go");

  // Submit 1.0.0: it is frozen from then on.
  await page.goto(`/portal/northwind-labs/${slug}/v/1.0.0`);
  await hydrated(page);
  await page.locator("#submit-form").getByRole("button", { name: "Submit for review" }).click();
  await expect(page.locator("#review-status")).toBeVisible();
  // Screening starts at once in the background; the version is on its way to review.
  await expect(page.locator("h1 .badge")).toHaveText(/Submitted|Screening|In review/);
  await expect(page.locator("#add-document-form")).toHaveCount(0);
  await expect(page.locator("#plan-form")).toHaveCount(0);
  await page.getByRole("link", { name: "Back to GitHub for agents" }).click();
  await expect(page.locator("#versions")).toContainText(/Submitted|Screening|In review/);
  await expect(page.locator("#versions")).toContainText("Draft");
});

test("a bad manifest gets its reasons, and the version page reads without JavaScript", async ({ browser }) => {
  const baseURL = test.info().project.use.baseURL;
  const ctx = await browser.newContext({ baseURL });
  const page = await ctx.newPage();
  const slug = `broken-${Date.now().toString(36)}`;
  await signIn(page, "owner@fabrikam.example");
  await page.goto("/portal/fabrikam-tools");
  await hydrated(page);
  const form = page.locator("#listing-form");
  await form.getByLabel("Name", { exact: true }).fill("Broken on purpose");
  await form.getByLabel("Short name (for addresses)").fill(slug);
  await form.getByLabel("Category").selectOption("utilities");
  await form.getByLabel("Summary (one line)").fill("Shows what a rejected manifest looks like");
  await form.getByRole("button", { name: "Create listing" }).click();
  await expect(page).toHaveURL(new RegExp(`/portal/fabrikam-tools/${slug}$`));
  await hydrated(page);
  const nv = page.locator("#new-version-form");
  await nv.getByLabel("Version number").fill("1.0");
  await nv.getByLabel("…or paste the manifest").fill(
    fs.readFileSync(corpusFile("mcp-registry/examples-2025-12-11/invalid/bad-name-pattern.json"), "utf8"),
  );
  await nv.getByRole("button", { name: "Create draft version" }).click();
  await expect(nv.locator(".field-error", { hasText: "not a semantic version" })).toBeVisible();
  await nv.getByLabel("Version number").fill("1.0.0");
  await nv.getByRole("button", { name: "Create draft version" }).click();
  await expect(nv.locator("#nv-manifest-errors")).toContainText("/name");
  await expect(page.locator("#no-versions")).toBeVisible();

  // A real one, then the same page with JavaScript off.
  await nv.getByLabel("…or paste the manifest").fill(
    fs.readFileSync(corpusFile("mcp-tools/live-tools-list/mcp-server-time.json"), "utf8"),
  );
  await nv.getByRole("button", { name: "Create draft version" }).click();
  await expect(page).toHaveURL(/\/v\/1\.0\.0$/);
  const cookies = await ctx.cookies();
  const noJs = await browser.newContext({ baseURL, javaScriptEnabled: false });
  await noJs.addCookies(cookies);
  const p2 = await noJs.newPage();
  await p2.goto(`/portal/fabrikam-tools/${slug}/v/1.0.0`);
  await expect(p2.locator("#tools tbody tr")).toHaveCount(2);
  await expect(p2.locator("#tools")).toContainText("get_current_time");
  await expect(p2.locator("#submit-form button")).toBeVisible();
  await noJs.close();
  await ctx.close();
});

test("buyers read what an agent can do on its public page", async ({ page }) => {
  await page.goto("/listings/filesystem-access");
  const label = page.locator("#disclosure");
  await expect(page.getByRole("heading", { name: "What it can do" })).toBeVisible();
  await expect(label.locator(".label-summary .badge")).toHaveText(/risk/);
  await expect(label.locator("#label-items li").first()).toBeVisible();
  await expect(label).toContainText("inferred by Steward");
  // The public label shows no review findings.
  await expect(page.locator("#findings")).toHaveCount(0);
});
