/** safetensors reading, writing and the WeightSource over them. */
export { namedIoError, writeFileAtomic } from './atomic.js';
export {
  DTYPE_BYTES,
  floatToBfloat16,
  floatToHalf,
  fromFloat32,
  halfToFloat,
  isSafetensorsDtype,
  toFloat32,
  type FloatDtype,
  type SafetensorsDtype,
} from './dtypes.js';
export { MAX_HEADER_BYTES, parseSafetensors, type SafetensorsFile, type SafetensorsTensor } from './parse.js';
export { encodeHostTensors, readSafetensors, serializeSafetensors, writeSafetensors } from './serialize.js';
export { readShardedSafetensors, safetensorsWeightSource, type ReadBytes } from './source.js';
