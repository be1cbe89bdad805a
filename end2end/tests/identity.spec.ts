import { test, expect, Page, Browser } from "@playwright/test";

const PASSWORD = "correct horse battery staple";

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

async function signUp(page: Page, email: string, name: string, next?: string) {
  await page.goto(next ? `/sign-up?next=${encodeURIComponent(next)}` : "/sign-up");
  await hydrated(page);
  const form = page.locator("#sign-up-form");
  await form.getByLabel("Your name").fill(name);
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Password").fill(PASSWORD);
  await form.getByRole("button", { name: "Create account" }).click();
}

test("a publisher signs up, creates an organization, invites a member and manages a token", async ({
  page,
  browser,
}) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const slug = unique("acme");
  const owner = `${slug}-owner@example.com`;
  const dev = `${slug}-dev@example.com`;

  // Field errors come back from the server next to the fields.
  await page.goto("/sign-up");
  await hydrated(page);
  const form = page.locator("#sign-up-form");
  await form.evaluate((f: HTMLFormElement) => (f.noValidate = true));
  await form.getByLabel("Your name").fill("Olga");
  await form.getByLabel("Email").fill("not-an-email");
  await form.getByLabel("Password").fill("short");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(form.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByText("Use at least 12 characters.")).toBeVisible();

  await signUp(page, owner, "Olga Owner");
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.locator("#user-menu-button")).toHaveText("Olga Owner");

  const create = page.locator("#create-org-form");
  await create.getByLabel("Publisher: I list agents").check();
  await create.getByLabel("Name", { exact: true }).fill("Acme Agents");
  await create.getByLabel("Short name (for addresses)").fill(slug);
  await create.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(new RegExp(`/orgs/${slug}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Acme Agents");
  await expect(page.locator("#members")).toContainText(owner);

  // Invite a developer; the link is shown once.
  const invite = page.locator("#invite-form");
  await invite.getByLabel("Email").fill(dev);
  await invite.getByLabel("Role").selectOption("developer");
  await invite.getByRole("button", { name: "Create invitation" }).click();
  const link = (await page.locator("#invite-link").textContent())!.trim();
  expect(link).toMatch(/^\/invitations\/accept\?token=inv_[0-9a-f]{48}$/);
  await expect(page.locator("#open-invitations")).toContainText(dev);

  // The invitee, in their own browser, signs up through the link and joins.
  const other = await browser.newContext();
  const devPage = await other.newPage();
  await devPage.goto(link);
  await expect(devPage.getByRole("heading", { name: "Sign in to continue" })).toBeVisible();
  await signUp(devPage, dev, "Dan Developer", link);
  await expect(devPage).toHaveURL(/\/invitations\/accept\?token=/);
  await hydrated(devPage);
  await devPage.getByRole("button", { name: "Accept invitation" }).click();
  await expect(devPage).toHaveURL(new RegExp(`/orgs/${slug}$`));
  await expect(devPage.locator("#members")).toContainText("Developer");
  await other.close();

  await page.reload();
  await expect(page.locator("#members")).toContainText(dev);

  // A token: created, shown once, then revoked.
  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await hydrated(page);
  const tokenForm = page.locator("#create-token-form");
  await tokenForm.getByLabel("Name", { exact: true }).fill("ci publisher");
  await tokenForm.getByRole("checkbox", { name: /listings:write/ }).check();
  await tokenForm.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.locator("#new-token-secret").textContent())!.trim();
  expect(secret).toMatch(/^stw_[0-9a-f]{48}$/);
  const who = await page.request.get("/api/v1/whoami", { headers: { authorization: `Bearer ${secret}` } });
  expect(who.status()).toBe(200);
  expect((await who.json()).organization).toBe(slug);
  const row = page.locator("#tokens tbody tr", { hasText: "ci publisher" });
  await expect(row).toContainText("active");
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(row).toContainText("revoked");
  const after = await page.request.get("/api/v1/whoami", { headers: { authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);

  // Sign out from the user menu.
  await page.locator("#user-menu-button").click();
  await page.locator("#sign-out").click();
  await expect(page.locator("#sign-in-link")).toBeVisible();
  expect(errors).toEqual([]);
});

test("a demo operator signs in; a wrong password is refused without saying why", async ({ page }) => {
  await page.goto("/sign-in");
  await hydrated(page);
  const form = page.locator("#sign-in-form");
  await form.getByLabel("Email").fill("ops@steward.example");
  await form.getByLabel("Password").fill("not the password at all");
  await form.getByRole("button", { name: "Sign in" }).click();
  await expect(form.locator("#si-password-error")).toHaveText(
    "That email and password do not match an active account.",
  );
  await form.getByLabel("Password").fill("steward-demo-password");
  await form.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator("#my-orgs")).toContainText("Steward Marketplace Operations");
});

test("signing in works without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("owner@northwind.example");
  await page.getByLabel("Password").fill("steward-demo-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator("#my-orgs")).toContainText("Northwind Labs");
  await context.close();
});
