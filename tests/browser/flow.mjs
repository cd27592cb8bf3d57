// The registrar dashboard of `banyan up`, driven in a real browser (Debian's Chromium through
// playwright-core) the way a person would use it: sign up with a new account, search for
// newsite.com, register it, add an A record `www`, watch the propagation panel until every
// server serves the new serial, then ask the world's resolver with `banyan query`.
//
// Usage: node flow.mjs MAP_JSON [OUT_DIR]
//   MAP_JSON  the file `banyan up --map-json` wrote (dashboard URL, resolver address and port)
//   OUT_DIR   where the screenshots go (default $BROWSER_OUT, else ./screenshots)
// Environment:
//   BANYAN    the banyan binary for the final query (default: banyan on PATH)
//   CHROMIUM  the browser (default /usr/bin/chromium)
//
// Every wait is bounded; the first failure prints what was expected and what the page said,
// saves a screenshot named failure-*.png, and exits 1. Prints `flow: ok` at the end.

import { execFile } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

const run = promisify(execFile);

const DOMAIN = "newsite.com";
const HOST = "www";
const ADDRESS = "192.0.2.80";
const STEP_TIMEOUT_MS = 15_000; // one page load, one form post
const PROPAGATION_TIMEOUT_MS = 20_000; // every server on the new serial
const QUERY_TIMEOUT_MS = 10_000; // the resolver's answer, retried within this
const PHONE = { width: 390, height: 844 };

const mapPath = process.argv[2];
if (!mapPath) {
    console.error("usage: node flow.mjs MAP_JSON [OUT_DIR]");
    process.exit(2);
}
const outDir = process.argv[3] || process.env.BROWSER_OUT || "screenshots";
const banyan = process.env.BANYAN || "banyan";
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

const map = JSON.parse(readFileSync(mapPath, "utf8"));
if (!map.dashboard || !map.dashboard.url) {
    console.error(`flow: ${mapPath} has no dashboard.url (was banyan up started with --web?)`);
    process.exit(2);
}
const base = map.dashboard.url.replace(/\/$/, "");
const resolver = map.resolver;
mkdirSync(outDir, { recursive: true });

const started = Date.now();
let step = "start";
let shots = 0;

function log(message) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`flow: [${seconds}s] ${message}`);
}

/** A failure of the flow: what was expected, in the words of the step. */
class FlowError extends Error {}

function expect(ok, message) {
    if (!ok) throw new FlowError(message);
}

async function screenshot(page, name) {
    shots += 1;
    const file = join(outDir, `${String(shots).padStart(2, "0")}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: STEP_TIMEOUT_MS });
    log(`screenshot ${file}`);
}

/** The texts of the page's alerts and field errors, to say why a form was refused. */
async function pageProblems(page) {
    const texts = await page.locator(".alert, .error, [role=alert]").allInnerTexts();
    return texts.map((t) => t.trim()).filter(Boolean).join(" | ");
}

/** Runs `action` (a click that submits or follows a link) and waits for the page it leads
 * to; fails unless that page came with a 2xx status and its path starts with `path`. */
async function navigate(page, action, path) {
    const loaded = page.waitForNavigation({ timeout: STEP_TIMEOUT_MS, waitUntil: "load" });
    await action();
    const response = await loaded;
    const url = new URL(page.url());
    const problems = await pageProblems(page);
    expect(response !== null, `no response loading ${url.pathname}`);
    expect(
        response.ok(),
        `${url.pathname}${url.search} answered ${response.status()}${problems ? `: ${problems}` : ""}`,
    );
    expect(
        url.pathname.startsWith(path),
        `expected to land on ${path}, landed on ${url.pathname}${url.search}${problems ? `: ${problems}` : ""}`,
    );
    return url;
}

/** The propagation panel's rows as the page has them now. */
function panelRows(page) {
    return page.$$eval("#propagation-servers tr[data-server]", (rows) =>
        rows.map((r) => ({
            server: r.dataset.server,
            address: r.dataset.address || null,
            serial: r.dataset.serial ? Number(r.dataset.serial) : null,
            current: r.dataset.current === "true",
        })),
    );
}

async function main() {
    const browser = await chromium.launch({
        executablePath,
        headless: true,
        timeout: STEP_TIMEOUT_MS,
        // No network but loopback here: no background fetches, updates or sync to be refused.
        args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    });
    const scriptErrors = [];
    let page = null;
    try {
        log(`${browser.browserType().name()} ${browser.version()} on ${base}`);
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        context.setDefaultTimeout(STEP_TIMEOUT_MS);
        context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
        const desktop = await context.newPage();
        desktop.on("pageerror", (e) => scriptErrors.push(`${desktop.url()}: ${e.message}`));
        page = desktop;

        step = "sign up";
        const email = `browser-${Date.now()}@example.com`;
        const response = await page.goto(`${base}/`);
        expect(response && response.ok(), `GET / answered ${response && response.status()}`);
        await navigate(page, () => page.getByRole("link", { name: "Sign up" }).first().click(), "/signup");
        await page.locator('input[name="email"]').fill(email);
        await page.locator('input[name="password"]').fill(`pw-${Math.random().toString(36).slice(2)}-browser`);
        await page.locator('input[name="name"]').fill("Browser Test");
        await page.locator('input[name="city"]').fill("Utrecht");
        await page.locator('input[name="country"]').fill("NL");
        await screenshot(page, "signup");
        await navigate(page, () => page.getByRole("button", { name: "Create account" }).click(), "/domains");
        expect(
            (await page.locator("h1").innerText()).trim() === "Your domains",
            `after sign-up, expected "Your domains", got ${await page.locator("h1").innerText()}`,
        );
        await screenshot(page, "domains-empty");
        log(`signed up as ${email}`);

        step = `search ${DOMAIN}`;
        await navigate(page, () => page.locator("header").getByRole("link", { name: "Search" }).click(), "/");
        await page.locator('input[name="q"]').fill(DOMAIN);
        const search = await navigate(page, () => page.getByRole("button", { name: "Search" }).click(), "/");
        expect(search.searchParams.get("q") === DOMAIN, `search URL ${search} does not carry q=${DOMAIN}`);
        const row = page.locator("tbody tr").filter({ has: page.locator("td", { hasText: new RegExp(`^${DOMAIN.replace(".", "\\.")}$`) }) });
        expect((await row.count()) === 1, `no single result row for ${DOMAIN}: ${await page.locator("main").innerText()}`);
        const status = (await row.locator("td").nth(1).innerText()).trim();
        expect(status === "available", `${DOMAIN} is "${status}", not available`);
        await screenshot(page, "search");

        step = `register ${DOMAIN}`;
        const registered = await navigate(page, () => row.getByRole("button", { name: "Register" }).click(), `/domains/${DOMAIN}`);
        expect(registered.searchParams.get("done") === "registered", `after Register, landed on ${registered}`);
        expect(
            (await page.locator("h1").innerText()).trim() === DOMAIN,
            `the domain page's heading is ${await page.locator("h1").innerText()}`,
        );
        await screenshot(page, "registered");
        log(`registered ${DOMAIN}`);

        step = `add ${HOST} A ${ADDRESS}`;
        await page.locator('input[form="add"][name="name"]').fill(HOST);
        await page.getByRole("combobox", { name: "type" }).selectOption("A");
        await page.locator('input[form="add"][name="ttl"]').fill("300");
        await page.locator('input[form="add"][name="value"]').fill(ADDRESS);
        const saved = await navigate(page, () => page.locator("form#add").getByRole("button", { name: "Add" }).click(), `/domains/${DOMAIN}`);
        const serial = Number(saved.searchParams.get("serial"));
        expect(
            saved.searchParams.get("done") === "saved" && Number.isInteger(serial) && serial > 0,
            `after Add, landed on ${saved}: ${await pageProblems(page)}`,
        );
        const added = await page.locator("tbody tr").evaluateAll(
            (rows, want) =>
                rows.some((r) => {
                    const v = [...r.querySelectorAll("input")].map((i) => i.value);
                    return v[0] === want.host && v[1] === "A" && v[3] === want.address;
                }),
            { host: HOST, address: ADDRESS },
        );
        expect(added, `the records table has no ${HOST} A ${ADDRESS} after saving`);
        await screenshot(page, "record-added");
        log(`added ${HOST}.${DOMAIN} A ${ADDRESS}: zone serial ${serial}`);

        step = "propagation panel";
        // No reload: the panel's own script refreshes it every two seconds.
        const hosted = (map.servers || []).filter((s) => s.hosted).length;
        try {
            await page.waitForFunction(
                ({ serial, hosted }) => {
                    const rows = [...document.querySelectorAll("#propagation-servers tr[data-server]")];
                    return (
                        rows.length > 0 &&
                        rows.length >= hosted &&
                        rows.every((r) => r.dataset.current === "true" && Number(r.dataset.serial) === serial)
                    );
                },
                { serial, hosted },
                { timeout: PROPAGATION_TIMEOUT_MS, polling: 250 },
            );
        } catch (e) {
            const rows = await panelRows(page);
            throw new FlowError(
                `within ${PROPAGATION_TIMEOUT_MS / 1000} s the panel did not show every server on serial ${serial}: ${JSON.stringify(rows)}`,
            );
        }
        const rows = await panelRows(page);
        await screenshot(page, "propagated");
        log(`propagation panel: ${rows.map((r) => `${r.server} ${r.address} serial ${r.serial}`).join(", ")}`);

        step = "the world's resolver";
        // Before the lookup page, which asks the same resolver and would leave the answer cached.
        const args = [`@${resolver.address}`, "-p", String(resolver.port), `${HOST}.${DOMAIN}`, "A", "+short"];
        const deadline = Date.now() + QUERY_TIMEOUT_MS;
        let answer = "";
        for (;;) {
            try {
                const { stdout } = await run(banyan, ["query", ...args], { timeout: 5_000 });
                answer = stdout.trim();
            } catch (e) {
                answer = `${e.message.trim()} ${String(e.stdout || "").trim()}`;
            }
            if (answer === ADDRESS || Date.now() > deadline) break;
            await new Promise((r) => setTimeout(r, 250));
        }
        expect(answer === ADDRESS, `banyan query ${args.join(" ")} answered "${answer}", not ${ADDRESS}`);
        log(`banyan query ${args.join(" ")}: ${answer}`);


        step = "domain page on a phone";
        const phone = await browser.newContext({
            viewport: PHONE,
            deviceScaleFactor: 2,
            isMobile: true,
            hasTouch: true,
            storageState: await context.storageState(),
        });
        phone.setDefaultTimeout(STEP_TIMEOUT_MS);
        const phonePage = await phone.newPage();
        phonePage.on("pageerror", (e) => scriptErrors.push(`phone ${phonePage.url()}: ${e.message}`));
        const phoneResponse = await phonePage.goto(`${base}/domains/${DOMAIN}`);
        expect(phoneResponse && phoneResponse.ok(), `phone: GET /domains/${DOMAIN} answered ${phoneResponse && phoneResponse.status()}`);
        const widths = await phonePage.evaluate(() => ({
            page: document.documentElement.scrollWidth,
            viewport: window.innerWidth,
        }));
        page = phonePage;
        await screenshot(page, "domain-phone");
        expect(
            widths.page <= widths.viewport,
            `on a ${PHONE.width}px-wide phone the page is ${widths.page}px wide (it should scroll tables, not the page)`,
        );
        await phone.close();
        page = desktop;

        step = "lookup page";
        await page.goto(`${base}/lookup?name=${HOST}.${DOMAIN}&type=A`);
        const lookupText = await page.locator("main").innerText();
        expect(lookupText.includes(ADDRESS), `the lookup page does not show ${ADDRESS}: ${lookupText.slice(0, 500)}`);
        await screenshot(page, "lookup");

        expect(scriptErrors.length === 0, `script errors on the pages: ${scriptErrors.join("; ")}`);
    } catch (e) {
        if (page) {
            try {
                await screenshot(page, `failure-${step.replace(/[^a-z0-9]+/gi, "-")}`);
            } catch (shotError) {
                log(`no failure screenshot: ${shotError.message}`);
            }
        }
        throw e;
    } finally {
        await browser.close();
    }
}

try {
    await main();
    log(`flow: ok (${shots} screenshots in ${outDir})`);
} catch (e) {
    const message = e instanceof FlowError ? e.message : (e && e.stack) || String(e);
    console.error(`flow: FAILED at "${step}": ${message}`);
    process.exit(1);
}
