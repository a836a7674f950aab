import type { Descriptor, HistoryEntry, ImageConfig } from '../registry/types';
import { instructionOf, type Instruction } from './instructions';

export interface PairedLayer {
  /** Position in the manifest, from 0 (the bottom layer). */
  index: number;
  digest: string;
  /** Compressed size, as the manifest gives it. */
  size: number;
  mediaType: string;
  /** Uncompressed digest from the config's rootfs, when it lists one for this position. */
  diffId?: string;
  /** Position of the history entry that made this layer; undefined when none could be paired. */
  historyIndex?: number;
  created?: string;
  instruction?: Instruction;
}

export interface LayerPairing {
  layers: PairedLayer[];
  /** History entries that made no layer (`empty_layer: true`). */
  emptyHistoryEntries: number;
  /** Positions of history entries that should have made a layer but have none left to pair with. */
  unpairedHistory: number[];
  /** How the pairing was done when history and manifest disagree; undefined when they agree. */
  note?: string;
}

/**
 * Pairs each manifest layer with the history entry that made it. Entries marked `empty_layer` made no layer. When
 * the counts differ (history rewritten, squashed, or written by a tool that skips the base's entries), pairing
 * runs from the top, where the image's own instructions are; whatever is left over on either side is reported.
 */
export function pairLayers(layers: Descriptor[], config: ImageConfig): LayerPairing {
  const history: HistoryEntry[] = config.history ?? [];
  const diffIds = config.rootfs?.diff_ids ?? [];
  let layerMaking = history.flatMap((entry, index) => (entry.empty_layer ? [] : [index]));
  let emptyHistoryEntries = history.length - layerMaking.length;
  let note: string | undefined;

  // Configs from before `empty_layer` existed mark nothing: the metadata-only `#(nop)` entries then explain the excess.
  if (layerMaking.length > layers.length && history.length > 0) {
    const withoutMetadata = layerMaking.filter((index) => !isMetadataOnly(history[index]));
    if (withoutMetadata.length === layers.length) {
      layerMaking = withoutMetadata;
      emptyHistoryEntries = history.length - layerMaking.length;
      note = `history does not mark its empty layers; ${history.length - withoutMetadata.length} metadata-only entries were taken as empty`;
    }
  }

  const paired: PairedLayer[] = layers.map((layer, index) => ({
    index,
    digest: layer.digest,
    size: layer.size,
    mediaType: layer.mediaType,
    ...(diffIds[index] ? { diffId: diffIds[index] } : {}),
  }));
  const offset = layers.length - layerMaking.length;
  for (let i = Math.max(0, -offset); i < layerMaking.length; i++) {
    const historyIndex = layerMaking[i];
    const entry = history[historyIndex];
    const layer = paired[i + offset];
    layer.historyIndex = historyIndex;
    if (entry.created) layer.created = entry.created;
    layer.instruction = instructionOf(entry.created_by);
  }
  const unpairedHistory = offset < 0 ? layerMaking.slice(0, -offset) : [];

  if (offset > 0) {
    note = `the manifest has ${layers.length} layers but history records ${layerMaking.length} that made one; paired from the top, so the bottom ${offset} layer${offset === 1 ? ' has' : 's have'} no known instruction`;
  } else if (offset < 0) {
    note = `history records ${layerMaking.length} entries that made a layer but the manifest has ${layers.length} layers; paired from the top, so the first ${-offset} such entr${offset === -1 ? 'y is' : 'ies are'} left unpaired`;
  }
  return { layers: paired, emptyHistoryEntries, unpairedHistory, ...(note ? { note } : {}) };
}

/** A classic `#(nop)` entry that only changed metadata (ENV, CMD…), as opposed to one that added files (ADD, COPY). */
function isMetadataOnly(entry: HistoryEntry): boolean {
  const instruction = instructionOf(entry.created_by);
  return /#\(nop\)/.test(entry.created_by ?? '') && instruction.keyword !== 'ADD' && instruction.keyword !== 'COPY';
}

/**
 * An image's compressed size, the one measure every tool reports as `compressed_size`: the bytes of its layers as the
 * registry stores them, a layer listed twice counted once (it is downloaded once). The config blob is not a layer and
 * is reported apart, as `config_size`.
 */
export function compressedSize(layers: Array<{ digest: string; size: number }>): number {
  const sizes = new Map(layers.map((layer) => [layer.digest, layer.size]));
  let total = 0;
  for (const size of sizes.values()) total += size;
  return total;
}

/** Share of `total`, in percent with one decimal; 0 when the total is 0. */
export function percentOf(part: number, total: number): number {
  return total > 0 ? Math.round((part / total) * 1000) / 10 : 0;
}
