import { test, expect, Page } from "@playwright/test";

// Collects uncaught page errors (a broken WASM bundle shows up here first).
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

test("home page says what Steward is and links the four surfaces", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto("/");
  await expect(page).toHaveTitle("Steward");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "Governance for AI agent marketplaces",
  );
  const nav = page.getByRole("navigation", { name: "Surfaces" });
  for (const name of ["Catalog", "Developer portal", "Operator console", "Tenant admin"]) {
    await expect(nav.getByRole("link", { name })).toBeVisible();
  }
  await hydrated(page);
  expect(errors).toEqual([]);
});

test("the catalog lists the published demo listings and hides the rest", async ({ page }) => {
  await page.goto("/catalog");
  const cards = page.locator("#catalog-results article.listing-card");
  await expect(cards).toHaveCount(8);
  await expect(page.getByRole("link", { name: "Filesystem Access" })).toBeVisible();
  // Drafts, submissions and suspended listings are not public.
  for (const hidden of ["Headless Browser", "Kubernetes Operator", "Serverless Postgres Admin"]) {
    await expect(page.getByRole("link", { name: hidden })).toHaveCount(0);
  }
});

test("searching after hydration navigates client-side and queries the server", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto("/catalog");
  await hydrated(page);
  // A full page load would wipe this marker.
  await page.evaluate(() => ((window as any).__stewardMarker = "still here"));
  const serverFn = page.waitForResponse(
    (r) => r.url().includes("/api/catalog") && r.request().method() === "POST",
  );
  await page.getByLabel("Search the catalog").fill("git");
  await page.getByRole("button", { name: "Search" }).click();
  const response = await serverFn;
  expect(response.status()).toBe(200);
  await expect(page).toHaveURL(/[?&]q=git/);
  const cards = page.locator("#catalog-results article.listing-card");
  await expect(cards).toHaveCount(2);
  await expect(page.getByRole("link", { name: "Git Repository Tools" })).toBeVisible();
  await expect(page.getByRole("link", { name: "GitHub Repositories" })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__stewardMarker)).toBe("still here");

  await page.getByLabel("Search the catalog").fill("no such agent anywhere");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("heading", { name: "No listings match" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("a listing page shows the tools the publisher declared", async ({ page }) => {
  await page.goto("/listings/filesystem-access");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Filesystem Access");
  await expect(page.getByRole("heading", { name: "Tools (14)" })).toBeVisible();
  const writeFile = page.locator("li.tool", { has: page.locator("code", { hasText: /^write_file$/ }) });
  await expect(writeFile.locator(".chip")).toHaveText("destructive (declared)");
  await expect(page.getByText("Northwind Labs")).toBeVisible();
});

test("reporting a listing round-trips through a server function to the database", async ({ page }) => {
  await page.goto("/listings/web-fetch");
  await hydrated(page);
  const form = page.locator("#report-form");
  await form.getByLabel("Reason").selectOption("spam");
  // Bypass the browser's own minlength check to see the server's field message.
  await form.evaluate((f: HTMLFormElement) => (f.noValidate = true));
  await form.getByLabel("What happened").fill("short");
  await form.getByRole("button", { name: "Send report" }).click();
  await expect(page.locator("#report-details-error")).toHaveText(/at least 10 characters/);
  await expect(form.getByLabel("What happened")).toHaveAttribute("aria-invalid", "true");

  await form.getByLabel("What happened").fill("It posts spam links into every fetched page.");
  await form.getByRole("button", { name: "Send report" }).click();
  const receipt = page.locator("#report-receipt");
  await expect(receipt).toContainText("Your report was received");
  await expect(receipt.locator(".correlation")).toHaveText(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  );
});

test("unknown pages and unpublished listings are a 404 page", async ({ page }) => {
  for (const path of ["/no/such/page", "/listings/headless-browser"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(/could not find/);
  }
});

test("the catalog reads without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/catalog?q=slack");
  await expect(page.locator("#catalog-results article.listing-card")).toHaveCount(1);
  await expect(page.getByRole("link", { name: "Slack Messenger" })).toBeVisible();
  await context.close();
});

test("keyboard users can skip straight to the content", async ({ page }) => {
  await page.goto("/catalog");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
});
