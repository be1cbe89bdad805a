import { expect, Page } from "@playwright/test";

/** Signs in as a demo account (they share the demo password). */
export async function signIn(page: Page, email: string) {
  await page.goto("/sign-in");
  await hydrated(page);
  const form = page.locator("#sign-in-form");
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Password").fill("steward-demo-password");
  await form.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/account$/);
}

/** Waits until the WASM has taken over the page. */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}
