// Type definitions for spdy3: SPDY/3.1 for Node.js with an API after node:http2.

/// <reference types="node" />

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as http from 'node:http';

/** Header values: strings, numbers, or several values of one name. */
export type HeaderValue = string | number | string[];
/** A header object; pseudo-headers (`:method`, `:path`, `:status`, …) included. */
export interface OutgoingHeaders {
  [name: string]: HeaderValue | undefined;
}
/** Received headers; several values of a name arrive as an array. */
export interface IncomingHeaders {
  [name: string]: string | string[] | number | undefined;
}

/** A rate limit: at most `max` events per `perMs`. */
export interface Rate {
  max?: number;
  perMs?: number;
}

/** Session options; every limit has the core's documented default (lib/options.js). */
export interface SessionOptions {
  /** 'http' (default) or 'kubernetes': raw streams, lenient flow control, silent server. */
  mode?: 'http' | 'kubernetes';
  /** Apply HTTP rules to headers (default true; false in kubernetes mode). */
  http?: boolean;
  /** 'spdy/3.1' (default), 'spdy/3' or 'lenient' (for peers that ignore windows). */
  flowControl?: 'spdy/3.1' | 'spdy/3' | 'lenient';
  /** What we grant the peer. */
  settings?: Settings;
  initialWindowSize?: number;
  maxConcurrentStreams?: number;
  /** How far a stream's window grows for a reader that keeps up (default 16 MiB). */
  maxStreamWindow?: number;
  /** Session receive window (default 4 MiB). */
  sessionWindowSize?: number;
  /** How far the session window grows for an application that keeps up (default 16 MiB). */
  maxSessionWindow?: number;
  /** Bytes accepted ahead of the socket per session (default 2 MiB). */
  maxSendBuffer?: number;
  /** The most of maxSendBuffer one stream may hold (default 512 KiB). */
  maxStreamSendBuffer?: number;
  /** Largest DATA frame we send while other streams wait to send (default 16 KiB). */
  maxDataFrame?: number;
  /** Largest DATA frame we send while no other stream waits (default 64 KiB). */
  maxDataFrameAlone?: number;
  /** Unread bytes before input pauses in lenient mode (default 4 MiB). */
  maxBuffered?: number;
  /** Input blocks that unread DATA payloads kept without a copy may pin (default 16). */
  maxHeldBlocks?: number;
  /** Largest inflated header block kept (default 64 KiB). */
  maxHeaderListSize?: number;
  /** Inflation size that ends the session as a zlib bomb (default 1 MiB). */
  maxInflatedHeaderSize?: number;
  /** Most headers in one block (default 1024). */
  maxHeaderPairs?: number;
  /** Largest control frame accepted (default 64 KiB). */
  maxControlFrame?: number;
  /** zlib level of our header blocks, 0–9 (default 6). */
  compressionLevel?: number;
  /** Accept server pushes (client; default true). */
  enablePush?: boolean;
  maxOutstandingPings?: number;
  /** Timers in ms; 0 or false turns one off. */
  timeouts?: {
    idle?: number | false;
    keepalive?: number | false;
    ping?: number | false;
    reply?: number | false;
    goawayDrain?: number | false;
    firstFrame?: number | false;
    frameCompletion?: number | false;
  };
  floodLimits?: {
    ping?: Rate;
    settings?: Rate;
    reset?: Rate;
    emptyData?: Rate;
    windowUpdate?: Rate;
    unknown?: Rate;
  };
}

export interface Settings {
  initialWindowSize?: number;
  maxConcurrentStreams?: number;
}

export interface RemoteSettings extends Settings {
  clearPersisted: boolean;
  /** Every entry as received: [id, value]. */
  entries: Array<[number, number]>;
}

/** An Error with a stable code (ERR_SPDY_…). */
export interface SpdyError extends Error {
  code: string;
  /** The RST_STREAM status, for stream errors. */
  rstCode?: number;
  /** The GOAWAY status, for session errors. */
  goawayCode?: number;
  initiator?: 'local' | 'library' | 'remote';
}

export interface SessionState {
  streams: number;
  activeLocal: number;
  activeRemote: number;
  recvBuffered: number;
  sendBuffered: number;
  inputBuffered: number;
  sendWindow: number;
  recvWindow: number;
  framesReceived: number[];
  framesSent: number[];
  dataReceived: number;
  dataSent: number;
}

export class SpdySession extends EventEmitter {
  readonly socket: net.Socket | tls.TLSSocket | Duplex;
  readonly closed: boolean;
  readonly destroyed: boolean;
  readonly connecting: boolean;
  readonly localSettings: Settings;
  readonly remoteSettings: Settings;
  readonly state: SessionState;
  /** Sends a PING; the callback gets the round trip in ms. False if it cannot be sent. */
  ping(callback: (err: Error | null, durationMs: number, payload: Buffer) => void): boolean;
  ping(payload: Buffer, callback: (err: Error | null, durationMs: number, payload: Buffer) => void): boolean;
  settings(settings: Settings, callback?: (err: Error | null, settings: Settings) => void): void;
  /** Graceful: GOAWAY, no new streams, close when the open ones finish. */
  goaway(): void;
  close(callback?: () => void): void;
  /** Now: GOAWAY, every open stream errors, the socket closes. */
  destroy(err?: Error): void;
  /** 'timeout' after `ms` without a byte either way (0 = off). */
  setTimeout(ms: number, callback?: () => void): void;
  ref(): void;
  unref(): void;
  on(event: 'close', listener: () => void): this;
  on(event: 'error', listener: (err: SpdyError) => void): this;
  on(event: 'goaway', listener: (code: number, lastStreamId: number) => void): this;
  on(event: 'remoteSettings', listener: (settings: RemoteSettings) => void): this;
  on(event: 'timeout', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export class SpdyStream extends Duplex {
  readonly session: SpdySession;
  /** The stream id; null while waiting for the peer's concurrency limit. */
  readonly id: number | null;
  readonly pending: boolean;
  /** The RST_STREAM status that ended the stream, if one did. */
  readonly rstCode: number | undefined;
  readonly sentHeaders: OutgoingHeaders | undefined;
  readonly headersSent: boolean;
  /** Resets the stream (RST_STREAM, default CANCEL) and destroys it. */
  close(code?: number, callback?: () => void): void;
  /** Sends HEADERS with FIN; after respond(…, {waitForTrailers: true}). */
  sendTrailers(headers: OutgoingHeaders): void;
  /** Sends HEADERS without ending the stream. */
  additionalHeaders(headers: OutgoingHeaders): void;
  on(event: 'headers', listener: (headers: IncomingHeaders) => void): this;
  on(event: 'trailers', listener: (headers: IncomingHeaders) => void): this;
  on(event: 'wantTrailers', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export class ClientStream extends SpdyStream {
  readonly responseHeaders: IncomingHeaders | undefined;
  on(event: 'response', listener: (headers: IncomingHeaders, flags: { endStream: boolean }) => void): this;
  on(event: 'push', listener: (stream: ClientStream, requestHeaders: IncomingHeaders) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export interface RespondOptions {
  endStream?: boolean;
  waitForTrailers?: boolean;
}

export class ServerStream extends SpdyStream {
  readonly requestHeaders: IncomingHeaders;
  readonly pushAllowed: boolean;
  priority: number;
  respond(headers?: OutgoingHeaders, options?: RespondOptions): void;
  pushStream(headers: OutgoingHeaders,
    callback: (err: Error | null, stream: ServerStream, headers: OutgoingHeaders) => void): void;
  pushStream(headers: OutgoingHeaders, options: { priority?: number },
    callback: (err: Error | null, stream: ServerStream, headers: OutgoingHeaders) => void): void;
  /** RST_STREAM REFUSED_STREAM: the client may retry elsewhere. */
  refuse(): void;
}

export interface RequestOptions {
  endStream?: boolean;
  /** 0 (most urgent) … 7; default 3. */
  priority?: number;
  unidirectional?: boolean;
}

export class ClientSession extends SpdySession {
  request(headers?: OutgoingHeaders, options?: RequestOptions): ClientStream;
  on(event: 'connect', listener: (session: ClientSession, socket: Duplex) => void): this;
  on(event: 'stream', listener: (stream: ClientStream, headers: IncomingHeaders,
    flags: { endStream: boolean; associatedStreamId: number }) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export class ServerSession extends SpdySession {
  constructor(socket: Duplex, options?: SessionOptions);
  on(event: 'stream', listener: (stream: ServerStream, headers: IncomingHeaders,
    flags: { endStream: boolean; priority: number }) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export interface ConnectOptions extends SessionOptions, tls.ConnectionOptions {
  /** A connected Duplex to run the session on. */
  socket?: Duplex;
  createConnection?: (url: URL, options: ConnectOptions) => Duplex;
  /**
   * TCP and TLS sockets that connect() opens read into shared slabs of up to this many
   * bytes (net.Socket's `onread`), sparing a fresh allocation per read: a quarter of it at
   * first, all of it while data arrives in bulk. Default 1 MiB; 0 keeps Node's own reads.
   * Received data is handed out as views of these slabs.
   */
  readSlabSize?: number;
}

/** `http://host:port` (TCP) or `https://host:port` (TLS, ALPN spdy/3.1). */
export function connect(authority: string | URL, listener?: (session: ClientSession) => void): ClientSession;
export function connect(authority: string | URL, options?: ConnectOptions,
  listener?: (session: ClientSession) => void): ClientSession;

/** Compatibility API: what a (req, res) handler gets. */
export type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export class SpdyServer extends net.Server {
  setTimeout(ms: number, callback?: () => void): this;
  on(event: 'session', listener: (session: ServerSession) => void): this;
  on(event: 'stream', listener: (stream: ServerStream, headers: IncomingHeaders,
    flags: { endStream: boolean; priority: number }) => void): this;
  on(event: 'request', listener: RequestListener): this;
  on(event: string, listener: (...args: any[]) => void): this;
}

export class SecureSpdyServer extends tls.Server {
  setTimeout(ms: number, callback?: () => void): this;
  on(event: 'session', listener: (session: ServerSession) => void): this;
  on(event: 'stream', listener: (stream: ServerStream, headers: IncomingHeaders,
    flags: { endStream: boolean; priority: number }) => void): this;
  on(event: 'request', listener: RequestListener): this;
  on(event: string, listener: (...args: any[]) => void): this;
}

export function createServer(options?: SessionOptions, onRequest?: RequestListener): SpdyServer;
export function createServer(onRequest: RequestListener): SpdyServer;
export function createSecureServer(options: SessionOptions & tls.TlsOptions,
  onRequest?: RequestListener): SecureSpdyServer;

export const constants: {
  readonly RST_PROTOCOL_ERROR: 1;
  readonly RST_INVALID_STREAM: 2;
  readonly RST_REFUSED_STREAM: 3;
  readonly RST_UNSUPPORTED_VERSION: 4;
  readonly RST_CANCEL: 5;
  readonly RST_INTERNAL_ERROR: 6;
  readonly RST_FLOW_CONTROL_ERROR: 7;
  readonly RST_STREAM_IN_USE: 8;
  readonly RST_STREAM_ALREADY_CLOSED: 9;
  readonly RST_INVALID_CREDENTIALS: 10;
  readonly RST_FRAME_TOO_LARGE: 11;
  readonly GOAWAY_OK: 0;
  readonly GOAWAY_PROTOCOL_ERROR: 1;
  readonly GOAWAY_INTERNAL_ERROR: 2;
  readonly SETTINGS_UPLOAD_BANDWIDTH: 1;
  readonly SETTINGS_DOWNLOAD_BANDWIDTH: 2;
  readonly SETTINGS_ROUND_TRIP_TIME: 3;
  readonly SETTINGS_MAX_CONCURRENT_STREAMS: 4;
  readonly SETTINGS_CURRENT_CWND: 5;
  readonly SETTINGS_DOWNLOAD_RETRANS_RATE: 6;
  readonly SETTINGS_INITIAL_WINDOW_SIZE: 7;
  readonly SETTINGS_CLIENT_CERTIFICATE_VECTOR_SIZE: 8;
  readonly DEFAULT_INITIAL_WINDOW_SIZE: 65536;
  readonly PRIORITY_HIGHEST: 0;
  readonly PRIORITY_DEFAULT: 3;
  readonly PRIORITY_LOWEST: 7;
  readonly ALPN_PROTOCOL: 'spdy/3.1';
  readonly UPGRADE_TOKEN: 'SPDY/3.1';
};

/** The Kubernetes-style `Upgrade: SPDY/3.1` handshake (see KUBERNETES.md). */
export namespace upgrade {
  const PROTOCOL_HEADER: 'X-Stream-Protocol-Version';
  const ACCEPTED_HEADER: 'X-Accepted-Stream-Protocol-Versions';

  interface UpgradeConnectOptions extends ConnectOptions {
    /** Offered sub-protocols, most preferred first: one header line each. */
    protocols?: string[];
    /** Extra request headers. */
    headers?: http.OutgoingHttpHeaders;
    /** Default POST. */
    method?: string;
    /** Bound on the whole handshake in ms (default 30 000). */
    handshakeTimeout?: number;
  }

  interface Upgraded {
    session: ClientSession & { protocol: string };
    protocol: string;
    response: http.IncomingMessage;
  }

  /** Client: HTTP/1.1 upgrade, then a kubernetes-mode session on the socket. */
  function connect(url: string | URL, options?: UpgradeConnectOptions,
    callback?: (err: SpdyError | null, result?: Upgraded) => void): Promise<Upgraded>;

  /** Server, for an http.Server's 'upgrade': 101 and a silent kubernetes-mode session, or null after a 400/403. */
  function accept(req: http.IncomingMessage, socket: Duplex, head: Buffer,
    options?: SessionOptions & { protocols?: string[] }): (ServerSession & { protocol: string }) | null;

  /** Calls `onSession` for each accepted upgrade on `server`; returns the 'upgrade' listener. */
  function handleUpgrade(server: http.Server, options: SessionOptions & { protocols?: string[] },
    onSession: (session: ServerSession & { protocol: string }, req: http.IncomingMessage) => void):
    (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

  /** The negotiation decision alone: `{protocol}` or a refusal `{status, message, headers}`. */
  function negotiate(rawHeaders: string[], supported?: string[]):
    { protocol: string } | { status: number; message: string; headers?: Array<[string, string]> };
}
