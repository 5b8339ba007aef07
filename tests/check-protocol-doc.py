#!/usr/bin/python3
"""docs/protocol.md must carry the protocol module exactly as
engine/proto/serval.asn1 has it, and name every message alternative."""
import re
import sys

doc_path, schema_path = sys.argv[1], sys.argv[2]
doc = open(doc_path, encoding="utf-8").read()
schema = open(schema_path, encoding="utf-8").read()

blocks = re.findall(r"```asn1\n(.*?)```", doc, re.S)
if len(blocks) != 1:
    sys.exit(f"{doc_path}: expected one ```asn1 block, found {len(blocks)}")
if blocks[0].strip() != schema.strip():
    sys.exit(f"{doc_path}: its ASN.1 differs from {schema_path}; copy the module into the doc")

missing = []
for choice in ("Message", "RequestBody", "ResponseBody", "Event"):
    body = re.search(choice + r" ::= CHOICE \{(.*?)\n\}", schema, re.S).group(1)
    for alt in re.findall(r"^\s+(\w+)\s+\S", body, re.M):
        prose = doc.split("```asn1")[0]
        if f"`{alt}" not in prose:
            missing.append(f"{choice}.{alt}")
if missing:
    sys.exit(f"{doc_path} does not describe: {', '.join(missing)}")
print("1..1\nok 1 - docs/protocol.md matches the schema and names every message")
