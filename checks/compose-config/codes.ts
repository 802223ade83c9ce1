import type { FindingCodeMeta } from '../../src/engine/types.js';
import { prose } from '../../src/util/text.js';

const COMPOSE_DOCS = 'https://docs.docker.com/reference/compose-file/';
const INTERPOLATION_DOCS = 'https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/';

export const configCodes = {
  'unset-variable': {
    severity: 'warning',
    summary: 'a variable the compose file uses is set nowhere, so compose puts an empty string in its place',
    explanation: prose`
      Compose replaces \${NAME} and $NAME in every value of the file with the variable's value from the shell, else from .env in the project
      directory (the first compose file's directory). A variable set in neither, used without a default (\${NAME:-default}), becomes an
      empty string, and compose goes on with a warning: 'The "NAME" variable is not set. Defaulting to a blank string.' (Compose v1: "The
      NAME variable is not set."). What follows depends on the value: "invalid reference format" for an image tag, a database without a
      password, a port or path that is not there. .env files named in env_file: do not count: they set the container's variables, not
      the compose file's.
    `,
    docsUrl: INTERPOLATION_DOCS,
  },
  'dollar-in-secret': {
    severity: 'warning',
    summary: 'a $ in the value of a password, token or key makes compose read a variable that is set nowhere, so part of the value is lost',
    explanation: prose`
      Compose interpolates every value of the file: a $ followed by a letter or _ starts a variable name, which runs to the first
      character that is not a letter, digit or _. In a password written as Xy7$Abc9, compose reads a variable named Abc9; set nowhere, it
      becomes an empty string with the warning 'The "Abc9" variable is not set. Defaulting to a blank string.', and the container gets
      Xy7, not the password written. $$ writes one literal $: Xy7$$Abc9 gives the container Xy7$Abc9. docker-doctor names the key and
      its file:line, never the variable: that name is part of the secret. A database that was first started with the shortened password
      keeps it until it is changed in the database.
    `,
    docsUrl: INTERPOLATION_DOCS,
  },
  'dotenv-elsewhere': {
    severity: 'warning',
    summary: '.env sets the unset variables, but it is not the .env compose reads',
    explanation: prose`
      Compose reads .env from the project directory (the directory of the first compose file, or --project-directory), not from the
      directory the shell is in. A .env beside you that sets the variables the compose file uses is not read when the compose file is
      elsewhere, so those variables are empty.
    `,
    docsUrl: INTERPOLATION_DOCS,
  },
  'env-file-missing': {
    severity: 'error',
    summary: 'an env_file of a service does not exist, so compose refuses the project',
    explanation: prose`
      env_file: lists files whose KEY=VALUE lines become the container's environment. Compose reads them when it loads the project, and
      one that does not exist stops \`up\`, \`run\` and \`config\`: "env file /path/.env.local not found" (Compose v1: "Couldn't find env
      file"). Usually a file each developer creates from a sample (.env.example) that is not in the repository. With Compose 2.24 or later,
      \`required: false\` (long syntax) makes a missing file optional.
    `,
    docsUrl: `${COMPOSE_DOCS}services/#env_file`,
  },
  'undefined-service': {
    severity: 'error',
    summary: 'depends_on names a service the compose file does not define',
    explanation: prose`
      Compose refuses a project in which a service depends on a service that is not defined: 'service "web" depends on undefined
      service "db"' (Compose v1: "Service 'web' depends on service 'db' which is undefined."). Usually a renamed service, or one defined
      in another compose file that is not part of this project's files.
    `,
    docsUrl: `${COMPOSE_DOCS}services/#depends_on`,
  },
  'undefined-network': {
    severity: 'error',
    summary: 'a service joins a network the compose file does not declare',
    explanation: prose`
      Every network a service names under networks: must be declared in the top-level networks: section (only \`default\` is implicit).
      Compose refuses the project otherwise: 'service "web" refers to undefined network front' (Compose v1: 'Service "web" uses an
      undefined network "front"').
    `,
    docsUrl: `${COMPOSE_DOCS}networks/`,
  },
  'undefined-volume': {
    severity: 'error',
    summary: 'a service mounts a named volume the compose file does not declare',
    explanation: prose`
      A volume source that is a name, not a path (\`data:/var/lib/data\`), is a named volume, and compose needs it declared in the
      top-level volumes: section: 'service "web" refers to undefined volume data' (Compose v1: 'Named volume "data:/data:rw" is used in
      service "web" but no declaration was found in the volumes section.'). A bind mount of a directory needs a path: \`./data\`.
    `,
    docsUrl: `${COMPOSE_DOCS}volumes/`,
  },
  'no-image': {
    severity: 'error',
    summary: 'a service has neither an image nor a build, so compose refuses the project',
    explanation: prose`
      Compose must know what to run: an \`image:\` to pull or a \`build:\` to make one. A service with neither is refused: 'service "x" has
      neither an image nor a build context specified'. Often a service meant to extend another (\`extends:\`) or an indentation mistake that
      moved image: under another key.
    `,
    docsUrl: `${COMPOSE_DOCS}services/#image`,
  },
  'obsolete-version': {
    severity: 'info',
    summary: 'the compose file still sets the obsolete top-level version:',
    explanation: prose`
      The Compose Specification has no version: the file's keys say what it uses. Compose v2 ignores the key and warns: "the attribute
      \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion". docker-compose 1.27 and later read a file
      without it as the Compose Specification too.
    `,
    docsUrl: `${COMPOSE_DOCS}version-and-name/`,
  },
  'schema-invalid': {
    severity: 'error',
    summary: 'the compose file breaks the Compose Specification, so compose refuses it',
    explanation: prose`
      Compose validates every file against the Compose Specification's JSON schema before it does anything, and refuses it on the first
      error: "validating compose.yaml: services.web additional properties 'enviroment' not allowed", "services.web.user must be a
      string" (Compose v1: "Unsupported config option for services.web: 'enviroment'"). A misspelt key, a key at the wrong indentation, or a
      number where a string is meant (quote it) are the usual causes.
    `,
    docsUrl: COMPOSE_DOCS,
  },
  'external-network-missing': {
    severity: 'error',
    summary: 'a network declared external does not exist on the engine',
    explanation: prose`
      \`external: true\` tells compose that the network is made elsewhere and must already exist: compose never creates it, and \`up\`
      stops: "network nginx-proxy declared as external, but could not be found". Another project usually creates it, or a one-time
      \`docker network create\`.
    `,
    docsUrl: `${COMPOSE_DOCS}networks/#external`,
  },
  'external-volume-missing': {
    severity: 'error',
    summary: 'a volume declared external does not exist on the engine',
    explanation: prose`
      \`external: true\` tells compose that the volume is made elsewhere and must already exist: compose never creates it, and \`up\`
      stops: "external volume "x" not found" (Compose v1: "Volume x declared as external, but could not be found").
    `,
    docsUrl: `${COMPOSE_DOCS}volumes/#external`,
  },
  'container-name-taken': {
    severity: 'error',
    summary: "a service's container_name is taken by a container outside the project",
    explanation: prose`
      container_name gives a service's container a fixed name, and names are unique on an engine. When a container of another project, or
      one made by hand, already has it, \`up\` fails: 'Conflict. The container name "/db" is already in use by container "…". You have to
      remove (or rename) that container to be able to reuse that name.' Compose only reuses containers that carry its own labels for this
      project and service.
    `,
    docsUrl: `${COMPOSE_DOCS}services/#container_name`,
  },
  'orphan-containers': {
    severity: 'warning',
    summary: 'containers of this project belong to services that are no longer in the compose file',
    explanation: prose`
      Compose labels each container with its project and service. A container of this project whose service has been removed or renamed
      is an orphan: compose warns "Found orphan containers ([…]) for this project" and leaves it alone, so a renamed service's old
      container may still run, hold its ports, or answer on the project's network under the old name. \`up --remove-orphans\` removes them.
    `,
    docsUrl: 'https://docs.docker.com/reference/cli/docker/compose/up/',
  },
} satisfies Record<string, FindingCodeMeta>;

export type ConfigCause = keyof typeof configCodes;
