import type { DirectorySnapshot, EventScope } from '../events/event-types.js';
import type { Directory } from './directory.entity.js';

/** The scope of a directory's events; needs the organization loaded (its environment is a reference). */
export function eventScope(directory: Directory): EventScope {
  return {
    environmentId: directory.organization.environment.id,
    organizationId: directory.organization.id,
    directoryId: directory.id,
  };
}

export function directorySnapshot(directory: Directory): DirectorySnapshot {
  return {
    id: directory.id,
    organizationId: directory.organization.id,
    name: directory.name,
    provider: directory.provider,
    state: directory.state,
  };
}
