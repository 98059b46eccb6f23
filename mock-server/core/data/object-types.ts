/**
 * digi.me's service object types (docs/protocol.md §5) and the names mapped files carry in their
 * metadata's `objectType` (a string, docs/protocol.md §8).
 */
export const OBJECT_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'media',
  2: 'post',
  7: 'comment',
  201: 'transaction',
  400: 'track',
  401: 'album',
  403: 'playlist',
  406: 'playhistory',
};

export const objectTypeName = (id: number): string | undefined => OBJECT_TYPE_NAMES[id];
