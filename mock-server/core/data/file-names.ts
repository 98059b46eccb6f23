/**
 * digi.me's file names (docs/protocol.md §5):
 *
 *   18_<serviceGroup>_<serviceType>_<accountIndex>_<objectType>[_D<YYYYMM>]_<format>.json
 *
 * - `18` is the prefix of every file digi.me maps from a service.
 * - `<accountIndex>` counts the user's accounts of one service type from 1, in the order the
 *   user's fixture lists them (a second Spotify account gets 2).
 * - `_D<YYYYMM>` is present when a data set is split by month (UTC), as play history is.
 * - `<format>` is the file's format; this mock writes `1`, "mapped JSON in digi.me's schema",
 *   the only format it serves. Clients treat the name as opaque, apart from the iOS Genrefy
 *   example, which keeps names containing `_406_`.
 */

export const FILE_FORMAT = 1;

export interface FileNameParts {
  serviceGroup: number;
  serviceType: number;
  accountIndex: number;
  objectType: number;
  /** `YYYYMM`, for files split by month. */
  month?: string;
  format: number;
}

const FILE_NAME = /^18_(\d+)_(\d+)_(\d+)_(\d+)(?:_D(\d{6}))?_(\d+)\.json$/;

export function fileName(p: Omit<FileNameParts, 'format'> & { format?: number }): string {
  const month = p.month === undefined ? '' : `_D${p.month}`;
  return `18_${p.serviceGroup}_${p.serviceType}_${p.accountIndex}_${p.objectType}${month}_${p.format ?? FILE_FORMAT}.json`;
}

export function parseFileName(name: string): FileNameParts | undefined {
  const m = FILE_NAME.exec(name);
  if (!m) return undefined;
  return {
    serviceGroup: Number(m[1]),
    serviceType: Number(m[2]),
    accountIndex: Number(m[3]),
    objectType: Number(m[4]),
    month: m[5],
    format: Number(m[6]),
  };
}
