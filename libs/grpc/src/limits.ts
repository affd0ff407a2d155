/**
 * Largest message we send or accept. The largest legitimate one is a Rank query of
 * 1024 items of the widest zoo model: rmc2 carries 256 floats and 32 × 120 ids per
 * item, 16 KiB, so 16 MiB of payload plus framing — just over the 16 MiB this limit
 * used to be. 32 MiB leaves room for that and for models somewhat wider.
 */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** Options every server and client of ours sets. */
export const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  // Channelz bookkeeping cost ~6% of a tenant host's CPU per 525 KB request; we
  // expose metrics and traces instead.
  'grpc.enable_channelz': 0,
} as const;

/**
 * Longest status message our servers send (characters; longer ones are cut with an
 * ellipsis). The message travels percent-encoded in an HTTP/2 trailer, up to 9 bytes a
 * character, and a trailer over the client's 64 KiB header-list limit hung every call on
 * that connection until its deadline (an echoed 80 KB model name did). 2,048 characters
 * stay under 20 KB encoded; names inside messages are cut far shorter (quoted() in @hera/errors).
 */
export const MAX_STATUS_DETAILS_CHARS = 2048;

/**
 * Stream resets (RST_STREAM: a cancelled call, a deadline the client enforces) one client
 * connection may send, as a token bucket: `burst` at once, refilled at `perSecond`.
 *
 * Node's HTTP/2 server (nghttp2 ≥ 1.57, the "rapid reset" defence) has its own bucket of
 * 1,000 refilled at 33 a second, not configurable through grpc-js, and when it runs out it
 * ends the connection with INTERNAL_ERROR: every call on it fails INTERNAL ("Session closed
 * with error code 2"), well-behaved ones included. Ours is smaller and slower, so it runs
 * out first, and then the server closes only that connection, gracefully: GOAWAY (NO_ERROR),
 * the calls already on it are answered, and grpc-js clients open a new connection for the
 * next ones. nghttp2 stops counting resets once a GOAWAY is out, so the calls still in
 * flight survive further resets too (measured: 2,400 more).
 */
export const RESET_BUDGET = { burst: 500, perSecond: 16 } as const;
