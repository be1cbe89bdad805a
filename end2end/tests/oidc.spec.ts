import { test, expect, Page } from "@playwright/test";

// Runs against the oidc-provider process that scripts/e2e.sh starts (label "Test IdP").

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

async function providerLogin(page: Page, login: string) {
  // oidc-provider's development interactions: a login form, then consent.
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("anything");
  await page.locator('button[type="submit"]').click();
  await page.locator('button[type="submit"]', { hasText: /continue/i }).click();
}

test("signing in with the OpenID Connect provider creates and reuses an account", async ({ page, context }) => {
  const login = `oidc-${Date.now().toString(36)}`;
  await page.goto("/sign-in");
  await hydrated(page);
  await page.getByRole("link", { name: "Sign in with Test IdP" }).click();
  await expect(page).toHaveURL(/127\.0\.0\.1:3220/);
  await providerLogin(page, login);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator("#user-menu-button")).toHaveText(`OIDC ${login}`);
  await expect(page.locator(".page-header .lede")).toContainText(`${login}@oidc.example`);
  await expect(page.locator("#linked-providers")).toContainText("Test IdP: linked");

  // Signing out and in again lands in the same account.
  await page.locator("#user-menu-button").click();
  await page.locator("#sign-out").click();
  await expect(page.locator("#sign-in-link")).toBeVisible();
  await page.goto("/auth/oidc/testidp/start?next=/account");
  // The provider remembers its own session; it may skip the login form.
  if (await page.locator('input[name="login"]').isVisible().catch(() => false)) {
    await providerLogin(page, login);
  } else if (await page.locator('button[type="submit"]', { hasText: /continue/i }).isVisible().catch(() => false)) {
    await page.locator('button[type="submit"]', { hasText: /continue/i }).click();
  }
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator("#user-menu-button")).toHaveText(`OIDC ${login}`);
});

test("a callback whose state does not match is refused and signs nobody in", async ({ page }) => {
  const res = await page.goto("/auth/oidc/testidp/callback?code=forged&state=forged");
  expect(res?.status()).toBe(400);
  await expect(page.getByRole("heading", { name: "Sign-in could not be completed" })).toBeVisible();
  await page.goto("/account");
  await expect(page.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();
});

test("an existing password account links the provider only while signed in", async ({ page }) => {
  const login = `link-${Date.now().toString(36)}`;
  // A password account with the same email the provider will assert.
  await page.goto("/sign-up");
  await hydrated(page);
  const form = page.locator("#sign-up-form");
  await form.getByLabel("Your name").fill("Linda Link");
  await form.getByLabel("Email").fill(`${login}@oidc.example`);
  await form.getByLabel("Password").fill("correct horse battery staple");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await page.getByRole("link", { name: "Link Test IdP" }).click();
  await providerLogin(page, login);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator("#linked-providers")).toContainText("Test IdP: linked");
  await expect(page.locator("#user-menu-button")).toHaveText("Linda Link");
});
