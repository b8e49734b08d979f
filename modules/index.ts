// The one registry of modules, handed to the engine by cli/ (the engine imports no module): every module by
// name, and the services on this machine their plans may call.
import type { ModuleDef, Registry } from '../engine/module.ts';
import app from './app/app.ts';
import apt from './apt.ts';
import aptKey from './apt-key.ts';
import aptRepository from './apt-repository/apt-repository.ts';
import authorizedKey from './authorized-key/authorized-key.ts';
import blockinfile from './blockinfile.ts';
import command from './command.ts';
import copy from './copy/copy.ts';
import cron from './cron/cron.ts';
import debconf from './debconf.ts';
import deb822Repository from './deb822-repository/deb822-repository.ts';
import file from './file/file.ts';
import getUrl from './get-url/get-url.ts';
import git from './git/git.ts';
import firewall from './firewall/firewall.ts';
import group from './group.ts';
import hostname from './hostname.ts';
import lineinfile from './lineinfile.ts';
import meteor from './meteor/meteor.ts';
import node from './node.ts';
import npm from './npm/npm.ts';
import pkg from './package.ts';
import pip from './pip/pip.ts';
import { npmPack } from './npm/pack.ts';
import replace from './replace.ts';
import service from './service.ts';
import serviceFacts from './service-facts.ts';
import shell from './shell.ts';
import stat from './stat.ts';
import sysctl from './sysctl/sysctl.ts';
import systemdService from './systemd-service.ts';
import template from './template.ts';
import unarchive from './unarchive/unarchive.ts';
import uri from './uri/uri.ts';
import user from './user/user.ts';
import waitFor from './wait-for/wait-for.ts';
import assert from './actions/assert.ts';
import debug from './actions/debug.ts';
import fail from './actions/fail.ts';
import includeVars from './actions/include-vars.ts';
import pause from './actions/pause.ts';
import setFact from './actions/set-fact.ts';

const all: ModuleDef[] = [app, apt, aptKey, aptRepository, assert, authorizedKey, blockinfile, command, copy, cron, debconf, deb822Repository, debug, fail, file, firewall, getUrl, git, group, hostname, includeVars, lineinfile, meteor, node, npm, pip, pkg, pause, replace, service, serviceFacts,
  setFact, shell, stat, sysctl, systemdService, template, unarchive, uri, user, waitFor];

export const modules = new Map<string, ModuleDef>(all.map((m) => [m.name, m]));

export const registry: Registry = { modules, services: { npmPack } };
