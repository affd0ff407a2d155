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
