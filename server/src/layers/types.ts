/** What one tar entry of a layer does to the filesystem, as the OCI image spec's changeset rules define it. */
export type LayerEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other' | 'whiteout' | 'opaque';

export interface LayerEntry {
  /** Normalised: no leading `/` or `./`, no trailing `/`. A whiteout's path is the path it deletes; an opaque
   * marker's path is the directory whose lower contents it hides. */
  path: string;
  type: LayerEntryType;
  /** Bytes of the file body; 0 for everything else. */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Target of a symbolic or hard link. */
  link?: string;
}

/** A layer's file index: immutable, so kept by the layer's digest. */
export interface LayerIndex {
  digest: string;
  entries: LayerEntry[];
  /** Bytes of the uncompressed tar stream. */
  tarSize: number;
}
