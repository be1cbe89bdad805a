import { test, expect } from "@playwright/test";
import { signIn } from "./support";

test("an operator opens another organization's members from the console", async ({ page }) => {
  await signIn(page, "ops@steward.example");
  await page.getByRole("link", { name: "Operator console" }).click();
  await expect(page.getByRole("heading", { name: "Operator console" })).toBeVisible();
  await page.locator("#console-orgs").getByRole("link", { name: "Contoso Health" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Contoso Health");
  await expect(page.getByText("This view was recorded in the audit trail.")).toBeVisible();
  await expect(page.locator("#console-members")).toContainText("admin@contoso.example");
});

test("a publisher is not an operator: the console shows nothing private", async ({ page }) => {
  await signIn(page, "owner@fabrikam.example");
  await page.goto("/console");
  await expect(page.locator("#console-orgs")).toHaveCount(0);
  const res = await page.goto("/console/orgs/contoso-health");
  expect(res?.status()).toBe(404);
  await expect(page.getByText("admin@contoso.example")).toHaveCount(0);
});

test("a publisher gets domain verification instructions and a failed check says why", async ({ page }) => {
  await signIn(page, "owner@fabrikam.example");
  await page.goto("/orgs/fabrikam-tools");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const form = page.locator("#verify-form");
  await form.getByLabel("Domain").fill("https://bad domain");
  await form.getByRole("button", { name: "Get instructions" }).click();
  await expect(form.locator(".field-error").first()).toContainText(/domain/i);
  await form.getByLabel("Domain").fill("fabrikam.example");
  await form.getByLabel("A DNS TXT record").check();
  await form.getByRole("button", { name: "Get instructions" }).click();
  const item = page.locator("#domain-checks li", { hasText: "fabrikam.example" });
  await expect(item).toContainText("TXT record at _steward-verification.fabrikam.example");
  await expect(item.locator("pre.token")).toHaveText(/^steward-verification=[0-9a-f]{32}$/);
  await item.getByRole("button", { name: "Check now" }).click();
  await expect(item.locator(".badge")).toHaveText("failed");
  await expect(item.locator(".field-error")).not.toBeEmpty();
});
