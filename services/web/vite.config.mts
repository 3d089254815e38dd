import preact from '@preact/preset-vite';
import { defaultClientConditions, defineConfig } from 'vite';

/**
 * `npm run build` writes dist/ (index.html, hashed assets/), which the standalone serves at `/`.
 * The page must run under `script-src 'self'; style-src 'self'`: nothing is inlined (no module
 * preload polyfill, no data: assets), so the built HTML only links same-origin files.
 */
export default defineConfig(({ command }) => ({
  // Devtools hooks in `npm run dev` only: the build ships without them.
  plugins: [preact({ devToolsEnabled: command === 'serve' })],
  resolve: {
    // The workspace packages' TypeScript sources (their "@communities/source" export): the app
    // builds without building @communities/client first.
    conditions: ['@communities/source', ...defaultClientConditions],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev -w @communities/web` next to `npm start`: the API and the gateway stay on :5001.
    proxy: {
      '/api': { target: 'http://localhost:5001' },
      // The gateway admits a browser Origin equal to its own Host; the dev server's is another,
      // so the proxy presents both as the gateway's.
      '/ws': {
        target: 'ws://localhost:5001',
        ws: true,
        changeOrigin: true,
        headers: { origin: 'http://localhost:5001' },
      },
    },
  },
}));
