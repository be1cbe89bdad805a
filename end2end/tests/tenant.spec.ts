import { test, expect, Browser, Page } from "@playwright/test";
import { hydrated, signIn } from "./support";

async function as(browser: Browser, baseURL: string | undefined, email: string): Promise<Page> {
  const ctx = await browser.newContext({ baseURL });
  const page = await ctx.newPage();
  await signIn(page, email);
  return page;
}

test("a tenant admin installs with a subset of grants; the gateway gets allow and deny; a suspension applies at once", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(90_000);
  await signIn(page, "admin@contoso.example");

  // From the catalog to the consent screen.
  await page.goto("/catalog?q=Filesystem");
  await page.getByRole("link", { name: "Filesystem Access" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Filesystem Access");
  await page.locator("#install-link").click();
  await page.locator("#tenant-orgs").getByRole("link", { name: "Contoso Health" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Install Filesystem Access");
  await hydrated(page);

  // Low-risk tools come ticked; high-risk ones only if ticked by hand.
  const tools = page.locator("#consent-tools");
  await expect(tools.locator("tr[data-tool=read_file] input[type=checkbox]")).toBeChecked();
  await expect(tools.locator("tr[data-tool=write_file] input[type=checkbox]")).not.toBeChecked();
  await expect(tools.locator("tr[data-tool=write_file]")).toContainText("high");
  // Grant a subset: untick everything but read_file and list_directory.
  for (const box of await tools.locator("input[type=checkbox]").all()) {
    await box.setChecked(false);
  }
  await tools.locator("tr[data-tool=read_file] input[type=checkbox]").check();
  await tools.locator("tr[data-tool=list_directory] input[type=checkbox]").check();
  await page.getByRole("button", { name: "Install with these grants" }).click();
  await expect(page).toHaveURL(/\/tenant\/contoso-health$/);
  const row = page.locator("#installs tbody tr", { hasText: "Filesystem Access" });
  await expect(row).toContainText("active");
  await expect(row).toContainText("list_directory, read_file");
  const installId = (await row.getAttribute("data-install"))!;

  // A gateway token for the tenant.
  await page.goto("/orgs/contoso-health/tokens");
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
  expect((await ask("read_file")).decision).toBe("allow");
  const denied = await ask("write_file");
  expect([denied.decision, denied.reason]).toEqual(["deny", "tool_not_granted"]);
  expect((await ask("no_such_tool")).reason).toBe("unknown_tool");

  // An operator suspends the listing: the very next call is denied.
  const olivia = await as(browser, baseURL, "ops@steward.example");
  await olivia.goto("/console/listings/filesystem-access");
  await hydrated(olivia);
  let enforce = olivia.locator("#enforce-form");
  await enforce.getByLabel("Suspend").check();
  await enforce.getByLabel("Justification").fill("Checking a report.");
  await enforce.getByRole("button", { name: "Apply" }).click();
  await expect(olivia.locator("#listing-versions")).toContainText("Suspended");
  const after = await ask("read_file");
  expect([after.decision, after.reason]).toEqual(["deny", "listing_suspended"]);

  // Reinstated: allowed again.
  enforce = olivia.locator("#enforce-form");
  await enforce.getByLabel("Reinstate").check();
  await enforce.getByLabel("Justification").fill("Report unfounded.");
  await enforce.getByRole("button", { name: "Apply" }).click();
  await expect(olivia.locator("#listing-versions")).toContainText("Published");
  expect((await ask("read_file")).decision).toBe("allow");
});
