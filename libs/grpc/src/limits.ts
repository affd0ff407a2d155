/**
 * Largest message we send or accept. The largest legitimate one is a Rank query of
 * 1024 items of the widest zoo model: rmc2 carries 256 floats and 32 × 120 ids per
 * item, 16 KiB, so 16 MiB of payload plus framing — just over the 16 MiB this limit
 * used to be. 32 MiB leaves room for that and for models somewhat wider.
 */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
