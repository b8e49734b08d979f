# Ansible's own templating as the oracle of test/unit/jinja.test.ts: each case ({"template", "vars"}) read as
# JSON from stdin is rendered by ansible.template.Templar (ansible-core from Debian), its result or error printed
# as one JSON list.
import json
import sys

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

out = []
for case in json.load(sys.stdin):
    try:
        value = Templar(loader=DataLoader(), variables=case['vars']).template(case['template'])
        out.append({'value': json.loads(json.dumps(value, default=str))})
    except Exception as e:  # the oracle says it fails: the message is for the reader
        out.append({'error': type(e).__name__ + ': ' + str(e).split('\n')[0]})
print(json.dumps(out))
