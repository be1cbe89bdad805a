import { test, expect, Page } from "@playwright/test";

// Catalog search (issue #7): a visitor searches, filters by risk tier and
// pages through. The full run (scripts/e2e.sh) runs this file twice: against
// the demo (8 listings, one page) and against the demo plus 60 synthetic
// listings, where the paging test has pages to walk.

async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

const cards = (page: Page) => page.locator("#catalog-results article.listing-card");

test("a visitor searches by words of a name and of a tool", async ({ page }) => {
  await page.goto("/catalog");
  await hydrated(page);
  await page.getByLabel("Search the catalog").fill("git");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/[?&]q=git/);
  await expect(page.getByRole("link", { name: "Git Repository Tools" })).toBeVisible();
  await expect(page.getByRole("link", { name: "GitHub Repositories" })).toBeVisible();
  await expect(page.locator("#result-count")).toContainText(/\d+ listings?/);
  // Every card says its risk tier and its pricing.
  const first = cards(page).first();
  await expect(first.locator(".badge[class*='risk-']").first()).toBeVisible();
  await expect(first.locator(".chip.pricing")).not.toBeEmpty();
});

test("a visitor filters by risk tier, and the empty state names the filters", async ({ page }) => {
  await page.goto("/catalog");
  await hydrated(page);
  const everything = await cards(page).count();
  await page.getByLabel("Risk tier").selectOption("low");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/[?&]risk=low/);
  await expect(page.getByLabel("Risk tier")).toHaveValue("low");
  // Only low-risk cards, and fewer than the whole catalog. The URL and the
  // select change before the new page of cards arrives: wait for the cards
  // (a one-shot read here raced the fetch on PostgreSQL).
  const badges = cards(page).locator(".meta .badge");
  await expect(badges.first()).toBeVisible();
  await expect(badges.filter({ hasNotText: /^Low risk$/ })).toHaveCount(0);
  expect(await badges.count()).toBeLessThan(everything);

  // Widen to "high or lower": no critical card.
  await page.getByLabel("Risk tier").selectOption("high");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/[?&]risk=high/);
  // The previous page's cards stay until the new ones arrive: let the fetch
  // finish before reading them, and before typing into a form it re-renders
  // (once on PostgreSQL the empty state below listed the risk filter but not
  // the typed text; not reproduced since, in isolation or with this wait).
  await page.waitForLoadState("networkidle");
  await expect(cards(page).first()).toBeVisible();
  await expect(cards(page).getByText("Critical risk", { exact: true })).toHaveCount(0);

  // Nothing matches: say which filters, offer to drop each or all.
  await page.getByLabel("Search the catalog").fill("nosuchagentanywhere");
  await expect(page.getByLabel("Search the catalog")).toHaveValue("nosuchagentanywhere");
  await page.getByRole("button", { name: "Search" }).click();
  const empty = page.locator("#catalog-empty");
  await expect(empty).toContainText("No listings match");
  await expect(empty).toContainText("text “nosuchagentanywhere”");
  await expect(empty).toContainText("risk high or lower");
  await empty.getByRole("link", { name: "Clear all filters" }).click();
  await expect(page).toHaveURL(/\/catalog$/);
  await expect(cards(page)).toHaveCount(everything);
});

test("filters work without JavaScript, and a bad value is a field message", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/catalog");
  await page.getByLabel("Risk tier").selectOption("medium");
  await page.getByLabel("Sort by").selectOption("name");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/risk=medium/);
  await expect(page).toHaveURL(/sort=name/);
  const names = await cards(page).locator("h3").allTextContents();
  expect(names.length).toBeGreaterThan(0);
  expect([...names].sort((a, b) => a.localeCompare(b))).toEqual(names);
  await page.goto("/catalog?risk=extreme");
  await expect(page.locator("#catalog-risk-error")).toHaveText("Choose low, medium, high or critical.");
  await context.close();
});

test("a visitor pages through the catalog", async ({ page }) => {
  await page.goto("/catalog");
  await hydrated(page);
  const next = page.locator("#catalog-next");
  test.skip((await next.count()) === 0, "one page only: run with synthetic listings (scripts/e2e.sh)");
  await expect(cards(page)).toHaveCount(24);
  const firstPage = await cards(page).locator("h3").allTextContents();
  await next.click();
  await expect(page).toHaveURL(/[?&]page=2/);
  await expect(page.locator("#catalog-pages [aria-current='page']")).toHaveText("2");
  const secondPage = await cards(page).locator("h3 a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  expect(secondPage.length).toBeGreaterThan(0);
  // Pages do not overlap.
  const firstHrefs = await page.goto("/catalog").then(() =>
    cards(page).locator("h3 a").evaluateAll((as) => as.map((a) => a.getAttribute("href"))),
  );
  expect(firstHrefs.filter((h) => secondPage.includes(h))).toEqual([]);
  expect(firstPage.length).toBe(24);
  // The last page: a Previous link, no Next.
  await page.getByRole("link", { name: "Page 3" }).click();
  await expect(page).toHaveURL(/[?&]page=3/);
  await expect(page.locator("#catalog-next")).toHaveCount(0);
  await page.locator("#catalog-prev").click();
  await expect(page).toHaveURL(/[?&]page=2/);
  // Filters stay on while paging.
  await page.goto("/catalog?sort=name");
  await page.locator("#catalog-next").click();
  await expect(page).toHaveURL(/sort=name&page=2/);
});
