#!/usr/bin/env node
// Parse Teams messages with Microsoft's own Adaptive Cards library (npm "adaptivecards", the
// object model its renderers share) and print, per file, what it reported: one JSON array on
// stdout. The library's location is SENTINEL_ADAPTIVECARDS (the package folder); exit 77 when
// it is missing, so the test can skip or, in CI, fail.
"use strict";
const fs = require("fs");
const path = require("path");

const home = process.env.SENTINEL_ADAPTIVECARDS;
let AC;
try {
  AC = require(path.join(home || "", "dist", "adaptivecards.js"));
} catch (e) {
  console.error(`the adaptivecards package is not at SENTINEL_ADAPTIVECARDS=${home}: ${e.message}`);
  process.exit(77);
}

// Teams refuses a message over 28 KB.
const TEAMS_LIMIT = 28 * 1024;

const report = process.argv.slice(2).map((file) => {
  const bytes = fs.readFileSync(file);
  const message = JSON.parse(bytes.toString("utf8"));
  const problems = [];
  if (bytes.length > TEAMS_LIMIT) problems.push(`${bytes.length} bytes, over Teams' 28 KB`);
  const attachment = (message.attachments || [])[0] || {};
  if (message.type !== "message") problems.push(`envelope type is ${JSON.stringify(message.type)}, not "message"`);
  if (attachment.contentType !== "application/vnd.microsoft.card.adaptive") {
    problems.push(`attachment contentType is ${JSON.stringify(attachment.contentType)}`);
  }
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(attachment.content, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    problems.push(`parse: ${e.message}`);
  }
  for (const e of card.validateProperties().validationEvents) {
    problems.push(`validate: ${e.message}`);
  }
  const version = card.version ? card.version.toString() : null;
  const texts = [];
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      if (v.type === "TextBlock" && typeof v.text === "string") texts.push(v.text);
      if (typeof v.title === "string" && typeof v.value === "string") texts.push(`${v.title}: ${v.value}`);
      Object.values(v).forEach(walk);
    }
  };
  walk(card.toJSON());
  return { file, bytes: bytes.length, version, problems, texts };
});
console.log(JSON.stringify(report));
