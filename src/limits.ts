// Every protocol limit as a named constant, with the reason for its number.
// Config may lower or raise them; code reads them from here, never from literals.

// MIME nesting (multipart and message/rfc822 together) beyond which deeper
// structure is stored as one opaque part. Real mail rarely nests past 10;
// 50 keeps hostile messages from driving recursion and BODYSTRUCTURE size.
export const MIME_MAX_DEPTH = 50;

// Parts per message beyond which further multipart/message structure is
// treated as opaque. Bounds tree size in the store and BODYSTRUCTURE length.
export const MIME_MAX_PARTS = 2000;

// Characters of decoded text kept per message for SEARCH BODY/TEXT. Enough for
// any human-written mail; bounds index size and delivery time for huge bodies.
export const SEARCH_TEXT_MAX_CHARS = 256 * 1024;
