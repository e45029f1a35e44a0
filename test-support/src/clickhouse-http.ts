/**
 * TEST FIXTURE — not a product feature. Nothing in the product imports this file.
 *
 * A small server that speaks the part of the ClickHouse HTTP interface that `@clickhouse/client`
 * (v1.23) uses, backed by the in-process ClickHouse engine `chdb`. The product's "server" storage mode
 * talks to a real ClickHouse over HTTP; no modern ClickHouse server can be installed where the tests
 * run, so tests start this fixture and point `createClient({ url: fixture.url })` at it. SQL semantics
 * (types, MergeTree, deduplication, parameter binding, error codes and messages) come from the real
 * engine (ClickHouse 26.7 inside chdb 3.4); only the HTTP layer is re-implemented here.
 *
 * What `@clickhouse/client` sends, and what this fixture does with it:
 * - `ping()`: `GET /ping` → `Ok.\n` (no authentication, like ClickHouse). `ping({ select: true })`
 *   sends `GET /?query=SELECT 'ping'`, an ordinary query. `GET /` without a query also answers `Ok.\n`.
 * - `query()`/`command()`/`exec()`: `POST /?query_id=…&<settings>&param_<name>=…` with the SQL in the
 *   body (`query()` appends `\nFORMAT <format>` itself). `exec()` with `values` and `insert()` put the
 *   statement (`INSERT INTO t [(cols)] FORMAT X`) in the `query` URL parameter and the data in the body.
 *   As in ClickHouse, the SQL is the `query` parameter, a line break, then the body, and only one
 *   statement per request is allowed (chdb alone would run several).
 * - Query parameters arrive as `param_<name>` in ClickHouse's text ("escaped") form and are bound by
 *   the engine (`queryBindAsync`), see toChdbParamValue. Large ones may arrive in a
 *   `multipart/form-data` body instead (client option `use_multipart_params[_auto]`); that is parsed too.
 * - Every other URL parameter is a setting, applied with `SET` for that request only, except the ones
 *   ClickHouse's HTTPHandler reserves for the transport (TRANSPORT_PARAMS), which are ignored.
 *   `database`, `default_format` and `query_id` (or the `X-ClickHouse-Database`, `X-ClickHouse-Format`,
 *   `X-ClickHouse-Query-Id` request headers) are honoured. GET requests are read-only (`readonly=2`).
 *   `session_timezone` defaults to UTC, matching the `X-ClickHouse-Timezone: UTC` response header.
 * - Compression: `enable_http_compression=1` + `Accept-Encoding: gzip|deflate|br` compresses the
 *   response; a body with `Content-Encoding: gzip|deflate|br` is decompressed. The client compresses
 *   nothing by default; `compression: { request: true, response: true }` turns both on (gzip).
 * - Inserts: `INSERT INTO [db.]table [(a, b)] FORMAT X` with X one of chdb's raw insert formats
 *   (JSONEachRow, JSONCompactEachRow, CSV[WithNames], TSV/TabSeparated[WithNames]) is handed to
 *   chdb's raw insert, which reports the rows written. Any other insert (other formats,
 *   `(* EXCEPT (...))`, `INSERT ... VALUES`) runs as SQL text with the data appended.
 * - Authentication (only when `user` or `password` is given): `X-ClickHouse-User`/`X-ClickHouse-Key`,
 *   HTTP Basic (what the client sends) or `user`/`password` URL parameters; a mismatch answers 403 with
 *   `Code: 516. DB::Exception: … (AUTHENTICATION_FAILED)`, as ClickHouse does.
 * - Responses carry `X-ClickHouse-Query-Id`, `X-ClickHouse-Format`, `X-ClickHouse-Timezone` and
 *   `X-ClickHouse-Summary`; errors carry `X-ClickHouse-Exception-Code` and the engine's
 *   `Code: N. DB::Exception: … (NAME)` text, with the HTTP status ClickHouse picks for that code.
 * - Like any ClickHouse ≥ 25.8, JSON output does not quote 64-bit integers (`count()` is a number).
 *
 * Not supported: sessions (`session_id` is ignored, so `SET` and temporary tables do not outlive a
 * request), ClickHouse's native `compress`/`decompress` framing, zstd, binary data formats (bodies
 * that are not raw-insert formats are decoded as UTF-8 text), external tables in multipart bodies,
 * progress headers and streaming (results are buffered, as with `wait_end_of_query=1`), and scan
 * statistics: chdb only reports the size of a query's result, so in the summary `read_rows` equals
 * `result_rows`, and is 0 for DDL and for inserts that ran as SQL text; a raw insert reports
 * `written_rows` (and the same number as `read_rows`).
 *
 * chdb constraints (verified with chdb 3.4 / ClickHouse 26.7):
 * - The engine is a process singleton bound to ONE data directory at a time. While this fixture is
 *   open, `new Session(otherPath)` in the same process throws "only one active data directory per
 *   process", and chdb's standalone `query()`/`queryAsync()` (its default connection) are refused too.
 *   Several sessions on the SAME directory coexist and share the data (a second fixture on the same
 *   directory works). After `close()`, which waits until chdb has released everything, another
 *   directory can be opened. `node --test` runs each test file in its own process, so each test file
 *   may use its own directory.
 * - `SET` and `USE` stick to a chdb connection. So that the settings and `database` of one request
 *   never leak into another (a leaked `insert_deduplication_token` would silently drop rows), every
 *   request runs on its own short-lived `Session(dataDir)` (about 1 ms to open). A long-lived anchor
 *   session keeps the engine and its tables loaded between requests.
 * - Queries only use the async chdb calls, so the event loop is free while the engine works. chdb runs
 *   parameter-bound queries one at a time process-wide (its guard against a race in the engine); other
 *   requests run in parallel.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { drainPending, Session, type RawInsertFormat } from 'chdb';

export interface ClickHouseHttpFixture {
  url: string;
  port: number;
  close(): Promise<void>;
  /**
   * make the endpoint answer 503 / refuse, to simulate an outage: while `false`, open connections are
   * closed and new ones dropped as soon as they are accepted, so the client fails with a socket error
   * (ECONNRESET / "socket hang up"), as with an unreachable ClickHouse.
   */
  setAvailable(available: boolean): void;
}

export interface ClickHouseHttpOptions {
  /** chdb data directory. One directory per process at a time (see the header comment). */
  dataDir: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** When `user` or `password` is set, requests must authenticate (user defaults to `default`). */
  user?: string;
  password?: string;
  /**
   * Sees every statement as received: its text (for an INSERT, the statement and then the data)
   * and its parameters. Tests use it to prove values travel only as parameters.
   */
  onQuery?: (query: { sql: string; params: Readonly<Record<string, string | null>> }) => void;
}

/**
 * Start the fixture on 127.0.0.1. Opening the first chdb session starts the engine synchronously
 * (a fraction of a second); after that, requests never block the event loop.
 */
export async function startClickHouseHttp(options: ClickHouseHttpOptions): Promise<ClickHouseHttpFixture> {
  // Opened first so that a second data directory in this process fails here, with chdb's own message.
  const anchor = new Session(options.dataDir);
  let available = true;
  const inFlight = new Set<Promise<void>>();

  const server = http.createServer((req, res) => {
    if (!available) {
      req.socket.destroy();
      return;
    }
    const handling = handleRequest(req, res, options)
      .catch(() => {
        res.destroy();
      })
      .finally(() => inFlight.delete(handling));
    inFlight.add(handling);
  });
  // While unavailable, connections are accepted and dropped at once: the client sees a socket error,
  // which is what an unreachable ClickHouse looks like to it.
  server.on('connection', (socket) => {
    if (!available) socket.destroy();
  });

  let port: number;
  try {
    port = await listen(server, options.port ?? 0);
  } catch (err) {
    anchor.close();
    await drainPending();
    throw err;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setAvailable(value: boolean): void {
      available = value;
      if (!value) server.closeAllConnections();
    },
    async close(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await Promise.allSettled([...inFlight]);
      anchor.close();
      // close() defers releasing a connection while any chdb operation is still running; wait for that,
      // so that the process can open another data directory right after.
      await drainPending();
    },
  };
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('ClickHouse HTTP fixture: server has no TCP address'));
        return;
      }
      resolve(address.port);
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Request handling

/** Everything needed to run one request on the engine. */
interface QueryRequest {
  sql: string;
  /** The part of the SQL that came from the `query` URL parameter (for INSERT, the statement). */
  urlQuery: string;
  /** Data after the statement: the request body, unless it was a multipart form. */
  body: Buffer;
  params: Record<string, string | null>;
  settings: Map<string, string>;
  database: string | undefined;
  defaultFormat: string;
  queryId: string;
  readonly: boolean;
}

/**
 * URL parameters that ClickHouse's HTTPHandler reserves for the transport (`reserved_param_names`,
 * plus `role`): they are never settings. `query`, `database`, `default_format` and `param_*` are
 * handled on their own.
 */
const TRANSPORT_PARAMS = new Set([
  'compress',
  'decompress',
  'user',
  'password',
  'quota_key',
  'query_id',
  'stacktrace',
  'buffer_size',
  'wait_end_of_query',
  'session_id',
  'session_timeout',
  'session_check',
  'client_protocol_version',
  'close_session',
  'role',
]);

async function handleRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: ClickHouseHttpOptions,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const queryId =
    url.searchParams.get('query_id') || headerValue(req, 'x-clickhouse-query-id') || randomUUID();
  try {
    const body = await readBody(req);
    if (url.pathname.endsWith('/ping') || isRootProbe(req, url, body)) {
      sendText(res, 200, 'Ok.\n');
      return;
    }
    authenticate(req, url, options);
    rejectNativeCompression(url);
    const request = parseQueryRequest(req, url, body, queryId);
    options.onQuery?.({ sql: request.sql, params: request.params });
    const outcome = await execute(options.dataDir, request);
    await sendResult(req, res, request, outcome);
  } catch (err) {
    sendError(res, toHttpQueryError(err), queryId);
  }
}

/** `GET /` without a query is ClickHouse's health probe. */
function isRootProbe(req: http.IncomingMessage, url: URL, body: Buffer): boolean {
  return req.method === 'GET' && !url.searchParams.has('query') && body.length === 0;
}

function parseQueryRequest(
  req: http.IncomingMessage,
  url: URL,
  rawBody: Buffer,
  queryId: string,
): QueryRequest {
  const fields = [...url.searchParams.entries()];
  let urlQuery = url.searchParams.get('query') ?? '';
  let body = rawBody;
  let sql: string;
  const contentType = headerValue(req, 'content-type') ?? '';
  if (contentType.startsWith('multipart/form-data')) {
    // The form carries the query and parameters; there is no data part (external tables unsupported).
    const form = parseMultipart(rawBody, contentType);
    urlQuery += form.get('query') ?? '';
    form.delete('query');
    fields.push(...form.entries());
    body = Buffer.alloc(0);
    sql = urlQuery;
  } else {
    // ClickHouse: "the entire query consists of the contents of the 'query' parameter, a line break and
    // the request body".
    const text = body.toString('utf8');
    sql = urlQuery === '' ? text : `${urlQuery}\n${text}`;
  }

  const settings = new Map<string, string>();
  const params: Record<string, string | null> = {};
  let database = headerValue(req, 'x-clickhouse-database');
  let defaultFormat = headerValue(req, 'x-clickhouse-format');
  for (const [key, value] of fields) {
    if (key === 'query' || key === '' || TRANSPORT_PARAMS.has(key)) continue;
    if (key === 'database') database ??= value;
    else if (key === 'default_format') defaultFormat ??= value;
    else if (key.startsWith('param_')) params[key.slice('param_'.length)] ??= toChdbParamValue(value);
    else settings.set(key, value);
  }
  return {
    sql,
    urlQuery,
    body,
    params,
    settings,
    database: database === '' ? undefined : database,
    defaultFormat: defaultFormat || 'TabSeparated',
    queryId,
    // ClickHouse makes GET requests read-only (readonly=2).
    readonly: req.method === 'GET',
  };
}

function rejectNativeCompression(url: URL): void {
  for (const name of ['compress', 'decompress']) {
    const value = url.searchParams.get(name);
    if (value === '1' || value === 'true') {
      throw new HttpQueryError(
        48,
        'NOT_IMPLEMENTED',
        `The '${name}' parameter is not supported by this fixture`,
      );
    }
  }
}

function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// ---------------------------------------------------------------------------------------------------
// Request body

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotliDecompress = promisify(zlib.brotliDecompress);

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return decodeContentEncoding(Buffer.concat(chunks), headerValue(req, 'content-encoding'));
}

async function decodeContentEncoding(raw: Buffer, encoding: string | undefined): Promise<Buffer> {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
    case 'none':
      return raw;
    case 'gzip':
      return gunzip(raw);
    case 'deflate':
      return inflate(raw);
    case 'br':
      return brotliDecompress(raw);
    default:
      throw new HttpQueryError(48, 'NOT_IMPLEMENTED', `Unsupported Content-Encoding '${encoding}'`);
  }
}

/** Minimal multipart/form-data reader: text fields only, which is all the client sends. */
function parseMultipart(body: Buffer, contentType: string): Map<string, string> {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary === undefined)
    throw new HttpQueryError(36, 'BAD_ARGUMENTS', 'multipart body without boundary');
  const fields = new Map<string, string>();
  for (const part of body.toString('utf8').split(`--${boundary}`)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue; // preamble or the closing "--"
    const name = /name="([^"]*)"/i.exec(part.slice(0, headerEnd))?.[1];
    if (name === undefined) continue;
    fields.set(name, part.slice(headerEnd + 4).replace(/\r\n$/, ''));
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------------
// Authentication

interface Credentials {
  user: string;
  password: string;
}

function authenticate(req: http.IncomingMessage, url: URL, options: ClickHouseHttpOptions): void {
  if (options.user === undefined && options.password === undefined) return;
  const expected = { user: options.user ?? 'default', password: options.password ?? '' };
  const given = readCredentials(req, url);
  if (given === undefined || given.user !== expected.user || given.password !== expected.password) {
    throw new HttpQueryError(
      516,
      'AUTHENTICATION_FAILED',
      `${given?.user ?? 'default'}: Authentication failed: password is incorrect, or there is no user with such name.`,
    );
  }
}

/** Same sources as ClickHouse; `undefined` for a scheme the fixture does not know (e.g. Bearer). */
function readCredentials(req: http.IncomingMessage, url: URL): Credentials | undefined {
  const headerUser = headerValue(req, 'x-clickhouse-user');
  const headerKey = headerValue(req, 'x-clickhouse-key');
  if (headerUser !== undefined || headerKey !== undefined) {
    return { user: headerUser || 'default', password: headerKey ?? '' };
  }
  const authorization = headerValue(req, 'authorization');
  if (authorization !== undefined) {
    const basic = /^Basic\s+(.+)$/i.exec(authorization)?.[1];
    if (basic === undefined) return undefined;
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { user: decoded || 'default', password: '' };
    return { user: decoded.slice(0, colon) || 'default', password: decoded.slice(colon + 1) };
  }
  return {
    user: url.searchParams.get('user') || 'default',
    password: url.searchParams.get('password') ?? '',
  };
}

// ---------------------------------------------------------------------------------------------------
// Execution

/** What a request produced: the response body and the X-ClickHouse-Summary numbers. */
interface Outcome {
  body: Uint8Array;
  summary: Summary;
}

interface Summary {
  read_rows: number;
  read_bytes: number;
  written_rows: number;
  written_bytes: number;
  total_rows_to_read: number;
  result_rows: number;
  result_bytes: number;
  elapsed_ns: number;
}

function summary(
  read: number,
  readBytes: number,
  written: number,
  writtenBytes: number,
  seconds: number,
): Summary {
  return {
    read_rows: read,
    read_bytes: readBytes,
    written_rows: written,
    written_bytes: writtenBytes,
    total_rows_to_read: 0,
    result_rows: written > 0 ? 0 : read,
    result_bytes: written > 0 ? 0 : readBytes,
    elapsed_ns: Math.round(seconds * 1e9),
  };
}

/**
 * Runs the request on a connection of its own, so that its `SET` and `USE` die with it.
 * ClickHouse applies URL settings to the query's context only; this is the chdb equivalent.
 */
async function execute(dataDir: string, request: QueryRequest): Promise<Outcome> {
  if (request.sql.trim() === '') throw new HttpQueryError(62, 'SYNTAX_ERROR', 'Empty query');
  rejectMultiStatements(request.sql);
  const insert = plainInsert(request);
  // `client.insert()` with an empty stream sends the statement and no data. ClickHouse inserts nothing;
  // chdb would fail with NO_DATA_TO_INSERT.
  if (insert !== undefined && request.body.toString('utf8').trim() === '') {
    return { body: new Uint8Array(0), summary: summary(0, 0, 0, 0, 0) };
  }
  const session = new Session(dataDir);
  try {
    await session.queryAsync(buildSetStatement(request));
    if (request.database !== undefined) await session.queryAsync(`USE ${quoteIdentifier(request.database)}`);
    if (insert !== undefined) return await runPlainInsert(session, insert, request.body);
    return await runQuery(session, request);
  } finally {
    session.close();
  }
}

/** chdb reports only the size of the result: statements without one (DDL, other INSERTs) report 0. */
async function runQuery(session: Session, request: QueryRequest): Promise<Outcome> {
  const options = { format: request.defaultFormat };
  const result =
    Object.keys(request.params).length === 0
      ? await session.queryAsync(request.sql, options)
      : await session.queryBindAsync(request.sql, request.params, options);
  return {
    body: result.bytes(),
    summary: summary(result.rowsRead, result.bytesRead, 0, 0, result.elapsed),
  };
}

/** `INSERT INTO [db.]table [(a, b)] FORMAT X` with the data in the body: what `client.insert()` sends. */
interface PlainInsert {
  table: string;
  columns: string[] | undefined;
  format: RawInsertFormat;
}

const PLAIN_INSERT = /^\s*INSERT\s+INTO\s+(\w+(?:\.\w+)?)\s*(?:\(([\w\s,]*)\))?\s*FORMAT\s+(\w+)\s*$/i;

/** Text formats chdb's raw insert takes; other formats go through the SQL path. */
const RAW_INSERT_FORMATS: ReadonlySet<string> = new Set<RawInsertFormat>([
  'JSONEachRow',
  'JSONCompactEachRow',
  'CSV',
  'CSVWithNames',
  'TSV',
  'TabSeparated',
  'TSVWithNames',
  'TabSeparatedWithNames',
]);

function isRawInsertFormat(format: string): format is RawInsertFormat {
  return RAW_INSERT_FORMATS.has(format);
}

/**
 * Recognises the plain INSERT so it can run through chdb's raw insert, which hands the body to the
 * engine as bytes and, unlike a query, reports the rows written.
 */
function plainInsert(request: QueryRequest): PlainInsert | undefined {
  const match = PLAIN_INSERT.exec(request.urlQuery);
  const table = match?.[1];
  const format = match?.[3];
  if (table === undefined || format === undefined || !isRawInsertFormat(format)) return undefined;
  const columns = match?.[2]
    ?.split(',')
    .map((column) => column.trim())
    .filter((column) => column !== '');
  return { table, columns: columns?.length ? columns : undefined, format };
}

async function runPlainInsert(session: Session, insert: PlainInsert, data: Buffer): Promise<Outcome> {
  const written = await session.insert({
    table: insert.table,
    values: data,
    format: insert.format,
    ...(insert.columns === undefined ? {} : { columns: insert.columns }),
  });
  const bytes = written.bytesWritten;
  return {
    body: new Uint8Array(0),
    summary: summary(written.rowsWritten, bytes, written.rowsWritten, bytes, written.elapsed),
  };
}

/**
 * One `SET a = 'x', b = 'y'` for all settings of the request. Values are passed as string literals,
 * like the URL gives them; ClickHouse parses a setting from a string for every setting type.
 * `session_timezone` defaults to UTC so that results match the `X-ClickHouse-Timezone: UTC` header
 * (and a ClickHouse server in a container) whatever the machine's time zone.
 */
function buildSetStatement(request: QueryRequest): string {
  const settings = new Map<string, string>();
  if (request.readonly) settings.set('readonly', '2');
  settings.set('session_timezone', 'UTC');
  for (const [name, value] of request.settings) settings.set(name, value);
  const assignments = [...settings].map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new HttpQueryError(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`);
    }
    return `${name} = ${quoteString(value)}`;
  });
  return `SET ${assignments.join(', ')}`;
}

function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/**
 * Converts a `param_<name>` value from the wire into what chdb's `queryBindAsync` expects.
 *
 * ClickHouse hands the wire text to the engine as is, in "escaped" form: `\N` is NULL, a top-level
 * String is backslash-escaped (`it\'s`, `a\tb`), and composite values are literals with quoted,
 * backslash-escaped strings (`['it\'s','x']`). chdb, however, takes a plain JS string and escapes it
 * once more (`\` → `\\`, tab → `\t`, …) before the engine reads it, which would corrupt every value
 * that contains a backslash. So the value is unescaped here exactly as far as chdb re-escapes it, and the
 * engine ends up reading what ClickHouse would have read. The one sequence chdb cannot reproduce is `\'`:
 * outside quotes (a top-level String) it becomes a plain `'`; inside a quoted string it becomes the
 * equivalent SQL form `''`. Verified against String, UInt32, DateTime64, Array(String), Array(UUID),
 * Map and Nullable parameters.
 */
function toChdbParamValue(wire: string): string | null {
  if (wire === '\\N') return null;
  let out = '';
  let inQuotes = false;
  for (let i = 0; i < wire.length; i++) {
    const char = wire.charAt(i);
    if (char === "'") inQuotes = !inQuotes;
    if (char !== '\\' || i + 1 >= wire.length) {
      out += char;
      continue;
    }
    const next = wire.charAt(++i);
    if (next === "'") out += inQuotes ? "''" : "'";
    else if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(wire.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(wire.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += ESCAPES[next] ?? next;
  }
  return out;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/** Whitespace and comments, which may surround a statement. */
const BLANK = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

function isInsert(sql: string): boolean {
  return /^INSERT\b/i.test(sql.replace(BLANK, ''));
}

/**
 * ClickHouse's HTTP interface runs exactly one statement, while chdb runs every statement it is given.
 * Without this check, `command({ query: 'CREATE ...; CREATE ...' })` would pass here and fail against
 * a real server. A `;` outside quotes and comments that is followed by more SQL is refused. The data
 * of an INSERT (after FORMAT or VALUES) is not SQL and is not scanned.
 */
function rejectMultiStatements(sql: string): void {
  const dataStart = isInsert(sql) ? /\b(?:FORMAT\s+\w+|VALUES)\b/i.exec(sql) : null;
  const statement = dataStart === null ? sql : sql.slice(0, dataStart.index);
  let i = 0;
  while (i < statement.length) {
    const char = statement.charAt(i);
    if (char === "'" || char === '"' || char === '`') i = endOfQuoted(statement, i);
    else if (statement.startsWith('--', i) || statement.startsWith('/*', i))
      i += BLANK.exec(statement.slice(i))?.[0].length || 1;
    else if (char === ';' && statement.slice(i + 1).replace(BLANK, '') !== '') {
      throw new HttpQueryError(
        62,
        'SYNTAX_ERROR',
        `Syntax error (Multi-statements are not allowed): failed at position ${i + 1}: ${statement.slice(i, i + 40)}`,
      );
    } else i++;
  }
}

/** Index after the quoted string, identifier or literal that starts at `start`. */
function endOfQuoted(text: string, start: number): number {
  const quote = text.charAt(start);
  let i = start + 1;
  while (i < text.length) {
    const char = text.charAt(i);
    if (char === '\\') i += 2;
    else if (char === quote && text.charAt(i + 1) === quote) i += 2;
    else if (char === quote) return i + 1;
    else i++;
  }
  return i;
}

/** The format the engine answers in: a trailing `FORMAT X` clause wins over `default_format`. */
function outputFormat(request: QueryRequest): string {
  if (isInsert(request.sql)) return request.defaultFormat;
  return /\bFORMAT\s+(\w+)\s*;?\s*$/i.exec(request.sql)?.[1] ?? request.defaultFormat;
}

// ---------------------------------------------------------------------------------------------------
// Responses

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const brotliCompress = promisify(zlib.brotliCompress);

async function sendResult(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  request: QueryRequest,
  outcome: Outcome,
): Promise<void> {
  const format = outputFormat(request);
  let body = Buffer.from(outcome.body.buffer, outcome.body.byteOffset, outcome.body.byteLength);
  const headers: http.OutgoingHttpHeaders = {
    'Content-Type': contentTypeOf(format),
    'X-ClickHouse-Query-Id': request.queryId,
    'X-ClickHouse-Format': format,
    'X-ClickHouse-Timezone': request.settings.get('session_timezone') ?? 'UTC',
    // ClickHouse sends every number of the summary as a string.
    'X-ClickHouse-Summary': JSON.stringify(outcome.summary, (_key, value: unknown) =>
      typeof value === 'number' ? String(value) : value,
    ),
  };
  const encoding = responseEncoding(req, request);
  if (encoding !== undefined) {
    body = await compress(body, encoding, Number(request.settings.get('http_zlib_compression_level') ?? 3));
    headers['Content-Encoding'] = encoding;
  }
  headers['Content-Length'] = body.length;
  res.writeHead(200, headers);
  res.end(body);
}

function contentTypeOf(format: string): string {
  if (format.startsWith('JSON')) return 'application/json; charset=UTF-8';
  if (format.startsWith('TabSeparated') || format.startsWith('TSV'))
    return 'text/tab-separated-values; charset=UTF-8';
  if (format.startsWith('CSV')) return 'text/csv; charset=UTF-8; header=absent';
  return 'text/plain; charset=UTF-8';
}

type ResponseEncoding = 'gzip' | 'deflate' | 'br';

/** Like ClickHouse: compress only when asked twice, by `enable_http_compression=1` and Accept-Encoding. */
function responseEncoding(req: http.IncomingMessage, request: QueryRequest): ResponseEncoding | undefined {
  const enabled = request.settings.get('enable_http_compression');
  if (enabled !== '1' && enabled !== 'true') return undefined;
  const accepted = (headerValue(req, 'accept-encoding') ?? '').split(',').map((e) => e.split(';')[0]?.trim());
  return accepted.find((e): e is ResponseEncoding => e === 'gzip' || e === 'deflate' || e === 'br');
}

function compress(body: Buffer, encoding: ResponseEncoding, level: number): Promise<Buffer> {
  if (encoding === 'br') return brotliCompress(body);
  const zlibLevel = Number.isInteger(level) && level >= 1 && level <= 9 ? level : 3;
  return encoding === 'gzip' ? gzip(body, { level: zlibLevel }) : deflate(body, { level: zlibLevel });
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: http.ServerResponse, error: HttpQueryError, queryId: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  res.setHeader('X-ClickHouse-Exception-Code', String(error.code));
  res.setHeader('X-ClickHouse-Query-Id', queryId);
  sendText(res, httpStatusOf(error.text), `${error.text}\n`);
}

// ---------------------------------------------------------------------------------------------------
// Errors

/** An error in ClickHouse's wire form: `Code: N. DB::Exception: message. (NAME)`. */
class HttpQueryError extends Error {
  readonly code: number;
  readonly text: string;

  constructor(code: number, name: string, message: string, text?: string) {
    super(message);
    this.code = code;
    this.text = text ?? `Code: ${code}. DB::Exception: ${message}. (${name})`;
  }
}

/** chdb errors already carry ClickHouse's text and code; anything else becomes STD_EXCEPTION. */
function toHttpQueryError(err: unknown): HttpQueryError {
  if (err instanceof HttpQueryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = /^Code: (\d+)\./.exec(message)?.[1];
  if (code !== undefined) return new HttpQueryError(Number(code), '', message, message);
  return new HttpQueryError(1001, 'STD_EXCEPTION', message);
}

/** ClickHouse's exceptionCodeToHTTPStatus, keyed by the error name at the end of the message. */
function httpStatusOf(text: string): number {
  const name = /\(([A-Z][A-Z0-9_]+)\)\s*$/.exec(text)?.[1] ?? '';
  for (const [status, names] of STATUS_BY_ERROR_NAME) {
    if (names.includes(name)) return status;
  }
  return 500;
}

const STATUS_BY_ERROR_NAME: ReadonlyArray<readonly [number, readonly string[]]> = [
  [401, ['REQUIRED_PASSWORD']],
  [403, ['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE', 'ACCESS_DENIED']],
  [
    400,
    [
      'BAD_ARGUMENTS',
      'CANNOT_COMPILE_REGEXP',
      'CANNOT_PARSE_TEXT',
      'CANNOT_PARSE_ESCAPE_SEQUENCE',
      'CANNOT_PARSE_QUOTED_STRING',
      'CANNOT_PARSE_DATE',
      'CANNOT_PARSE_DATETIME',
      'CANNOT_PARSE_NUMBER',
      'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING',
      'CANNOT_PARSE_IPV4',
      'CANNOT_PARSE_IPV6',
      'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
      'CANNOT_PARSE_UUID',
      'DUPLICATE_COLUMN',
      'ILLEGAL_COLUMN',
      'UNKNOWN_ELEMENT_IN_AST',
      'UNKNOWN_TYPE_OF_AST_NODE',
      'THERE_IS_NO_COLUMN',
      'TOO_DEEP_AST',
      'TOO_BIG_AST',
      'UNEXPECTED_AST_STRUCTURE',
      'SYNTAX_ERROR',
      'INCORRECT_DATA',
      'TYPE_MISMATCH',
      'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
    ],
  ],
  [
    404,
    [
      'UNKNOWN_TABLE',
      'UNKNOWN_FUNCTION',
      'UNKNOWN_IDENTIFIER',
      'UNKNOWN_TYPE',
      'UNKNOWN_STORAGE',
      'UNKNOWN_DATABASE',
      'UNKNOWN_SETTING',
      'UNKNOWN_DIRECTION_OF_SORTING',
      'UNKNOWN_AGGREGATE_FUNCTION',
      'UNKNOWN_FORMAT',
      'UNKNOWN_DATABASE_ENGINE',
      'UNKNOWN_TYPE_OF_QUERY',
      'UNKNOWN_ROLE',
    ],
  ],
  [413, ['QUERY_IS_TOO_LARGE']],
  [501, ['NOT_IMPLEMENTED']],
  [503, ['SOCKET_TIMEOUT', 'CANNOT_OPEN_FILE', 'CANNOT_SCHEDULE_TASK']],
  [411, ['HTTP_LENGTH_REQUIRED']],
  [408, ['TIMEOUT_EXCEEDED']],
  [415, ['UNSUPPORTED_MEDIA_TYPE']],
];
