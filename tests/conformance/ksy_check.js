// SPDX-License-Identifier: ISC
// ksy_check.js -- proves format/rpt.ksy against real archives: compiles it
// with the Kaitai Struct compiler, parses each archive with the generated
// parser and prints the chunk types and record names it found.
//
// usage: NODE_PATH=DIR/node_modules node ksy_check.js format/rpt.ksy A.rpt...
// where DIR holds: npm install kaitai-struct-compiler@0.11.0
//                  kaitai-struct@0.11.0 yaml@2
// Exit status: 0 all parsed, 1 a file did not parse, 2 usage or setup.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");

function need(name) {
  try {
    return require(name);
  } catch (e) {
    process.stderr.write(`ksy_check: cannot load ${name}; run npm install ` +
      "kaitai-struct-compiler kaitai-struct yaml and set NODE_PATH\n");
    process.exit(2);
  }
}

async function main(argv) {
  if (argv.length < 2) {
    process.stderr.write("usage: ksy_check.js FILE.ksy ARCHIVE.rpt...\n");
    return 2;
  }
  const compiler = need("kaitai-struct-compiler");
  const KaitaiStream = need("kaitai-struct").KaitaiStream ||
    need("kaitai-struct/KaitaiStream");
  const YAML = need("yaml");

  const ksy = YAML.parse(fs.readFileSync(argv[0], "utf8"));
  let files;
  try {
    files = await compiler.compile("javascript", ksy, null, false);
  } catch (e) {
    process.stderr.write(`ksy_check: ${argv[0]} does not compile: ${e}\n`);
    return 2;
  }
  // The generated module is UMD and requires "kaitai-struct/KaitaiStream";
  // load it from a scratch directory that can resolve that name.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ksy_check-"));
  let Rpt;
  try {
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name), text);
    }
    const mod = require(path.join(dir, "Rpt.js"));
    Rpt = mod.Rpt || mod;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  let status = 0;
  for (const file of argv.slice(1)) {
    let parsed;
    try {
      parsed = new Rpt(new KaitaiStream(fs.readFileSync(file)));
    } catch (e) {
      process.stderr.write(`ksy_check: ${file}: does not parse: ${e}\n`);
      status = 1;
      continue;
    }
    // Cross-check decoded numbers (varints included) against the layout:
    // every index entry and trailer offset must land on the right chunk.
    const at = new Map();
    let off = 8;
    for (const c of parsed.chunks) {
      at.set(off, c);
      off += 12 + c.lenBody;
    }
    const bad = [];
    for (const c of parsed.chunks) {
      if (c.typeCode === "INDX") {
        for (const e of c.body.entries.entries) {
          const r = at.get(e.offset.value);
          if (!r || r.typeCode !== "RECD" || r.body.name.value !== e.name.value ||
              12 + r.lenBody !== e.stored.value || Number(r.body.size.value) !== Number(e.size.value)) {
            bad.push(`index entry '${e.name.value}' does not match the record at ${e.offset.value}`);
          }
        }
        if (c.body.lookup.length !== c.body.entries.entries.length) bad.push("lookup table size");
      } else if (c.typeCode === "TRLR") {
        const i = at.get(Number(c.body.indexOffset)), s = at.get(Number(c.body.sealOffset));
        if (!i || i.typeCode !== "INDX" || !s || s.typeCode !== "SEAL") {
          bad.push("trailer offsets do not point to INDX and SEAL");
        }
      }
    }
    if (bad.length) {
      process.stderr.write(`ksy_check: ${file}: ${bad.join("; ")}\n`);
      status = 1;
      continue;
    }
    const types = parsed.chunks.map((c) => c.typeCode);
    const names = parsed.chunks
      .filter((c) => c.typeCode === "RECD")
      .map((c) => c.body.name.value);
    process.stdout.write(`${file}: ${types.length} chunks: ${types.join(" ")}\n`);
    for (const n of names) process.stdout.write(`  ${n}\n`);
  }
  return status;
}

main(process.argv.slice(2)).then((rc) => process.exit(rc), (e) => {
  process.stderr.write(`ksy_check: ${e && e.stack || e}\n`);
  process.exit(2);
});
