#!/bin/sh
# Runs bench/ansible/droplet.yml against an inventory written by `provision lab up`:
#
#   bench/ansible/prepare.sh /tmp/pab                     # once (bundle + npm packs)
#   bench/ansible/run.sh /tmp/ansb-inv /tmp/pab [-f FORKS] [more ansible-playbook options]
#
# which runs, from the repository's root:
#
#   ANSIBLE_CONFIG=bench/ansible/ansible.cfg \
#   ANSIBLE_SSH_COMMON_ARGS="-o UserKnownHostsFile=INV/known_hosts -o StrictHostKeyChecking=yes" \
#   ansible-playbook -i INV/hosts.yml bench/ansible/droplet.yml -e @playbooks/lab-vars.yml \
#     -e app_bundle=PREP/pegleg.tar.gz -e @PREP/npm-packs.yml [-f FORKS ...]
set -eu
[ $# -ge 2 ] || { echo "usage: $0 INVENTORY_DIR PREP_DIR [ansible-playbook options]" >&2; exit 2; }
inv=$(cd "$1" && pwd) prep=$(cd "$2" && pwd)
shift 2
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG=bench/ansible/ansible.cfg
export ANSIBLE_SSH_COMMON_ARGS="-o UserKnownHostsFile=$inv/known_hosts -o StrictHostKeyChecking=yes"
exec ansible-playbook -i "$inv/hosts.yml" bench/ansible/droplet.yml -e @playbooks/lab-vars.yml \
  -e "app_bundle=$prep/pegleg.tar.gz" -e "@$prep/npm-packs.yml" "$@"
