import path from "node:path";
import { type Browser, chromium } from "playwright-core";

/**
 * What every browser test shares: where screenshots go, and Debian's
 * Chromium launched headless with nothing reaching out to the network.
 */

export const ROOT = path.resolve(import.meta.dirname, "../..");
/** Screenshots of every step (git-ignored). */
export const OUTPUT_DIR = path.join(ROOT, "test-output/e2e");
/** The screenshots the guide shows, written only with ACCRUE_UPDATE_SCREENSHOTS=1. */
export const GUIDE_DIR = path.join(ROOT, "docs/guide/img");

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS, headless: true });
}
