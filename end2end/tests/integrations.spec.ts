import { test, expect } from "@playwright/test";
import { signIn, hydrated } from "./support";

// Issue #8: an organization's admin manages its webhook endpoints in the
// console: a named kind, field errors for bad input, the secret shown once,
// pause and resume.
test("a tenant admin adds an identity endpoint after fixing field errors, then pauses and resumes it", async ({ page }) => {
  const host = `hooks-${Date.now()}.contoso.example`;
  await signIn(page, "admin@contoso.example");
  await page.goto("/orgs/contoso-health/integrations");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Integrations", level: 1 })).toBeVisible();

  // A tenant may add identity endpoints, never trust-and-safety ones.
  const kind = page.locator("#ep-kind");
  await expect(kind.locator("option", { hasText: "Identity provider" })).toHaveCount(1);
  await expect(kind.locator("option", { hasText: "Trust and safety" })).toHaveCount(0);

  const form = page.locator("#create-endpoint-form");
  await form.getByLabel("URL").fill(`http://${host}/steward`);
  await kind.selectOption("identity");
  await form.getByLabel("Event types").fill("listing_version.published");
  await form.getByRole("button", { name: "Add endpoint" }).click();
  await expect(form.locator(".field-error", { hasText: "must use https" })).toBeVisible();
  await expect(form.locator(".field-error", { hasText: "do not receive" })).toBeVisible();

  await form.getByLabel("URL").fill(`https://${host}/steward`);
  await form.getByLabel("Event types").fill("");
  await form.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.locator("#new-endpoint-secret")).toHaveText(/^whsec_/);

  await page.reload();
  await hydrated(page);
  const card = page.locator("article.endpoint", { hasText: host });
  await expect(card.locator(".endpoint-kind")).toHaveText("Identity provider");
  await expect(card).toContainText("steward.identity.v1");
  await expect(card.locator(".badge.endpoint-active")).toBeVisible();

  // Each button is a server function call; wait for its answer, then look
  // at the page as the server renders it now.
  const press = async (name: string) => {
    const answered = page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/api/"));
    await card.getByRole("button", { name }).click();
    expect((await answered).ok()).toBeTruthy();
  };
  await press("Pause");
  await page.reload();
  await hydrated(page);
  await expect(card.locator(".badge.endpoint-paused")).toBeVisible();
  await press("Resume");
  await page.reload();
  await hydrated(page);
  await expect(card.locator(".badge.endpoint-active")).toBeVisible();
});
