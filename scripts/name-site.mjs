// The last step of build_site (scripts/lib.sh): names the built site by a hash of its content and
// precompresses it, so the server can let browsers keep the files for a year.
//
//   node scripts/name-site.mjs <pkg folder>
//
// Reads storefront.js, storefront_bg.wasm and storefront.css, renames them to
// storefront.<hash>.js, storefront.<hash>_bg.wasm and storefront.<hash>.css (one hash of all
// three: the script and its wasm only work together), writes a brotli (.br) and a gzip (.gz)
// copy of each at the highest levels, writes the name to `output-name`, and deletes the files of
// earlier builds.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const [pkg] = process.argv.slice(2);
const NAME = 'storefront';
const built = { js: `${NAME}.js`, wasm: `${NAME}_bg.wasm`, css: `${NAME}.css` };

const hash = createHash('sha256');
for (const file of Object.values(built)) hash.update(readFileSync(join(pkg, file)));
const outputName = `${NAME}.${hash.digest('hex').slice(0, 16)}`;
const named = { js: `${outputName}.js`, wasm: `${outputName}_bg.wasm`, css: `${outputName}.css` };

for (const old of readdirSync(pkg)) {
  if (old.startsWith(`${NAME}.`) && !Object.values(built).includes(old)) rmSync(join(pkg, old));
}
const sizes = [];
for (const kind of Object.keys(built)) {
  renameSync(join(pkg, built[kind]), join(pkg, named[kind]));
  const content = readFileSync(join(pkg, named[kind]));
  const br = brotliCompressSync(content, {
    params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: content.length },
  });
  const gz = gzipSync(content, { level: 9 });
  writeFileSync(join(pkg, `${named[kind]}.br`), br);
  writeFileSync(join(pkg, `${named[kind]}.gz`), gz);
  sizes.push(`${named[kind]}: ${content.length} bytes, brotli ${br.length}, gzip ${gz.length}`);
}
writeFileSync(join(pkg, 'output-name'), `${outputName}\n`);
console.log(sizes.join('\n'));
