/** Debian's chromium, headless, driven by playwright-core (which downloads no browser). */
import { type Browser, chromium } from "playwright-core";

/** Where Debian's package puts it; `.ci/run` installs it when missing. */
export const CHROMIUM = "/usr/bin/chromium";

/** Launches chromium; a machine without it fails the test, saying how to get it (never skips). */
export async function launchChromium(): Promise<Browser> {
  const found = await Deno.stat(CHROMIUM).then(() => true, () => false);
  if (!found) {
    throw new Error(
      `Cannot run the dashboard's browser test: no ${CHROMIUM} (apt-get install -y chromium; .ci/run does)`,
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--headless=new"],
  });
}
