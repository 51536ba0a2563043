// Reference tokenizations for tests/tokenizer, from third_party/node (scripts/setup_node.sh).
//   node reference.mjs gpt3 TEXTS.json          gpt-3-encoder (GPT-2's own JS encoder)
//   node reference.mjs hf DIR TEXTS.json         transformers.js on DIR/tokenizer.json
//   node reference.mjs hf-prefixes DIR TEXTS.json  the same, plus "prefixes": the decode of
//                                                every prefix ids[0..k] (streaming decode)
// TEXTS.json is a JSON array of strings. Prints {"ids": [[...]], "decoded": [...]}.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.REASONREC_NODE_DIR ?? path.join(here, '..', '..', '..', 'third_party', 'node');
const require = createRequire(path.join(modules, 'package.json'));

const [mode, ...args] = process.argv.slice(2);
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const result = { ids: [], decoded: [] };

if (mode === 'gpt3') {
  const encoder = require('gpt-3-encoder');
  for (const text of readJson(args[0])) {
    const ids = encoder.encode(text);
    result.ids.push(ids);
    result.decoded.push(ids.length ? encoder.decode(ids) : '');
  }
} else if (mode === 'hf' || mode === 'hf-prefixes') {
  const transformers = await import(pathToFileURL(require.resolve('@huggingface/transformers')).href);
  const dir = args[0];
  const configPath = path.join(dir, 'tokenizer_config.json');
  const config = fs.existsSync(configPath) ? readJson(configPath) : {};
  const PreTrainedTokenizer = transformers.PreTrainedTokenizer ?? transformers.default.PreTrainedTokenizer;
  const tokenizer = new PreTrainedTokenizer(readJson(path.join(dir, 'tokenizer.json')), config);
  for (const text of readJson(args[1])) {
    const ids = tokenizer.encode(text);
    result.ids.push(ids);
    // transformers.js refuses to decode an empty list.
    result.decoded.push(ids.length ? tokenizer.decode(ids, { skip_special_tokens: true }) : '');
    if (mode === 'hf-prefixes') {
      result.prefixes ??= [];
      result.prefixes.push(ids.map((_, k) => tokenizer.decode(ids.slice(0, k + 1), { skip_special_tokens: true })));
    }
  }
} else {
  console.error('usage: reference.mjs gpt3 TEXTS.json | hf DIR TEXTS.json | hf-prefixes DIR TEXTS.json');
  process.exit(2);
}
process.stdout.write(JSON.stringify(result));
