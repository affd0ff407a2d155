// Writes the shipped roofline profile sets, libs/hera/profiles/{16c,2c}.json.
// All the numbers come from pure functions in @hera/hera (roofline.ts, node-classes.ts,
// zoo-roofline.ts); this file only writes them and prints the breakdown the README cites.
//
//   npm run bench -- gen-profiles            (or: npx tsc -b bench && node bench/dist/gen-profiles.js)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  NODE_CLASS_16C,
  NODE_CLASS_2C,
  classifyProfile,
  parseProfileSet,
  rooflineBreakdown,
  rooflineProfileSet,
  toProfileSetDocument,
  zooRooflineModels,
} from '@hera/hera';

const COMMAND = 'npm run bench -- gen-profiles';
const outDir = join(__dirname, '..', '..', 'libs', 'hera', 'profiles');
mkdirSync(outDir, { recursive: true });
const models = zooRooflineModels();

for (const hw of [NODE_CLASS_16C, NODE_CLASS_2C]) {
  const set = rooflineProfileSet(models, hw, { generatedBy: COMMAND });
  const doc = toProfileSetDocument(set);
  parseProfileSet(JSON.parse(JSON.stringify(doc))); // what we ship must parse
  const file = join(outDir, `${hw.name}.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`\n${hw.name}: ${hw.description}\nwrote ${file}`);
  console.log('model   MB/query  compute ms  gather ms  QPS(1)   bw cap QPS  knee  kind           SLA ms');
  for (const m of models) {
    const b = rooflineBreakdown(m, hw);
    const p = set.models.find(x => x.model === m.model)!;
    const kind = classifyProfile(p);
    console.log(
      [
        m.model.padEnd(6),
        (b.bytesPerQuery / 1e6).toFixed(2).padStart(9),
        b.computeMsPerQuery.toFixed(2).padStart(11),
        b.gatherMsPerQuery.toFixed(2).padStart(10),
        b.qps1.toFixed(1).padStart(7),
        b.bandwidthCapQps.toFixed(0).padStart(12),
        String(p.knee).padStart(5),
        ` ${kind.kind.padEnd(14)}`,
        String(m.slaMs).padStart(6),
      ].join(' '),
    );
  }
}
