# Runs Ansible's deb822_repository (test/fixtures/ansible-modules/deb822_repository.py, 2.18) as the oracle of
# test/unit/deb822-repository.test.ts, with this machine's ansible-core 2.14 module_utils: the two constants and
# the function 2.18's module imports that 2.14 lacks are supplied (what 2.18 defines them as), and its
# /etc/apt/sources.list.d and /etc/apt/keyrings are moved under ROOT so nothing of this machine is touched.
# Usage: python3 deb822-oracle.py ROOT ARGS.json  (ARGS.json: {"ANSIBLE_MODULE_ARGS": {...}}); prints its JSON result.
import importlib.util
import os
import sys

import ansible.module_utils.common.file as mu_file
import ansible.module_utils.urls as mu_urls

root, args = sys.argv[1], sys.argv[2]
mu_file.S_IRWU_RG_RO = getattr(mu_file, 'S_IRWU_RG_RO', 0o644)
mu_file.S_IRWXU_RXG_RXO = getattr(mu_file, 'S_IRWXU_RXG_RXO', 0o755)
if not hasattr(mu_urls, 'get_user_agent'):
    mu_urls.get_user_agent = lambda: 'ansible-httpget'

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    'deb822_repository', os.path.join(here, '..', 'fixtures', 'ansible-modules', 'deb822_repository.py'))
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
mod.KEYRINGS_DIR = os.path.join(root, 'etc/apt/keyrings')
mod.make_sources_filename = lambda slug: os.path.join(root, 'etc/apt/sources.list.d', '%s.sources' % slug)
sys.argv = [sys.argv[0], args]
mod.main()
