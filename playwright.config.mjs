// Browser tests: Debian's Chromium drives the release build in dist/ (or the folder E2E_DIST
// names), served under a sub-path to prove the app works from any folder of a static host.
import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 8091);
const dist = process.env.E2E_DIST ?? 'dist';
const prefix = '/tools/leadpack/';

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '*.spec.mjs',
  outputDir: 'target/e2e-results',
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}${prefix}`,
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `node tests/e2e/serve.mjs ${JSON.stringify(dist)} ${port} ${prefix}`,
    url: `http://127.0.0.1:${port}${prefix}`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
