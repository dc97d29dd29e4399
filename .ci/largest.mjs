// Lists the largest source files and functions under src/ (lines, from the
// TypeScript syntax tree), for the architecture notes: `node .ci/largest.mjs [N]`.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const top = Number(process.argv[2] ?? 15);
const root = new URL("../src/", import.meta.url).pathname;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".ts")) files.push(path);
  }
})(root);

const fileRows = [];
const fnRows = [];
for (const path of files) {
  const text = readFileSync(path, "utf8");
  const rel = relative(root, path);
  fileRows.push({ lines: text.split("\n").length - (text.endsWith("\n") ? 1 : 0), name: rel });
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const visit = (node, owner) => {
    let name = null;
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) name = node.name?.getText() ?? "(anonymous)";
    else if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && ts.isVariableDeclaration(node.parent)) name = node.parent.name.getText();
    else if (ts.isConstructorDeclaration(node)) name = "constructor";
    if (name !== null && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      fnRows.push({ lines: end - start + 1, name: `${rel} ${owner ? owner + "." : ""}${name}` });
    }
    const nextOwner = ts.isClassDeclaration(node) && node.name ? node.name.getText() : owner;
    ts.forEachChild(node, (child) => visit(child, nextOwner));
  };
  visit(source, null);
}
const print = (title, rows) => {
  console.log(title);
  for (const row of rows.sort((a, b) => b.lines - a.lines).slice(0, top)) console.log(`${String(row.lines).padStart(6)}  ${row.name}`);
};
print("Largest files (lines)", fileRows);
print("\nLargest functions (lines)", fnRows);
