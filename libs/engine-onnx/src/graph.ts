import { AttrType, DataType, IR_VERSION, OPSET, modelProto } from './onnx-schema';

type Attr = number | readonly number[];

interface NodeProtoObj {
  opType: string;
  name: string;
  input: string[];
  output: string[];
  attribute: { name: string; type: number; i?: number; f?: number; ints?: number[] }[];
}

interface TensorObj {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  dataLocation?: number;
  externalData?: { key: string; value: string }[];
}

interface ValueInfoObj {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: ({ dimParam: string } | { dimValue: number })[] } } };
}

/** A dimension: a number, or a name for a symbolic one (the item count). */
export type Dim = number | string;

/**
 * A small ONNX graph writer: nodes in topological order (every input defined before use),
 * initializers as raw little-endian bytes, symbolic dimensions by name. Names are generated
 * (`<op>_<n>`) unless given.
 */
export class GraphBuilder {
  private readonly nodes: NodeProtoObj[] = [];
  private readonly inits: TensorObj[] = [];
  private readonly inputs: ValueInfoObj[] = [];
  private readonly outputs: ValueInfoObj[] = [];
  private readonly consts = new Map<string, string>();
  private n = 0;

  constructor(readonly name: string) {}

  private fresh(op: string): string {
    return `${op.toLowerCase()}_${this.n++}`;
  }

  input(name: string, elemType: number, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(value: string, name: string, elemType: number, dims: readonly Dim[]): void {
    this.node('Identity', [value], {}, name);
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** An fp32 initializer holding exactly these bytes (little-endian, as the weight shards are). */
  floats(name: string, dims: readonly number[], bytes: Uint8Array): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (bytes.byteLength !== n * 4)
      throw new Error(`initializer ${name}: ${bytes.byteLength} bytes for shape ${dims.join('x')}`);
    this.inits.push({ name, dims: [...dims], dataType: DataType.FLOAT, rawData: bytes });
    return name;
  }

  /**
   * An fp32 initializer whose bytes live outside the model (TensorProto data_location EXTERNAL):
   * `location` is a file beside the model, or a name the session is given memory for.
   */
  externalFloats(name: string, dims: readonly number[], location: string): string {
    const bytes = 4 * dims.reduce((a, b) => a * b, 1);
    const externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: '0' },
      { key: 'length', value: String(bytes) },
    ];
    this.inits.push({ name, dims: [...dims], dataType: DataType.FLOAT, dataLocation: 1, externalData });
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, slice bounds), shared between uses of the same values. */
  ints(values: readonly number[]): string {
    const key = values.join(',');
    const hit = this.consts.get(key);
    if (hit) return hit;
    const name = `const_i64_${this.consts.size}`;
    const raw = new BigInt64Array(values.map(v => BigInt(v)));
    this.inits.push({ name, dims: [values.length], dataType: DataType.INT64, rawData: new Uint8Array(raw.buffer) });
    this.consts.set(key, name);
    return name;
  }

  /** Adds a node; returns its first output (or its only one). */
  node(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, output?: string): string {
    return this.nodeN(op, inputs, 1, attrs, output ? [output] : undefined)[0]!;
  }

  /** Adds a node with `outputs` outputs; returns their names. */
  nodeN(
    op: string,
    inputs: readonly string[],
    outputs: number,
    attrs: Record<string, Attr> = {},
    names?: string[],
  ): string[] {
    const name = this.fresh(op);
    const outs = names ?? Array.from({ length: outputs }, (_, i) => (outputs === 1 ? name : `${name}:${i}`));
    const attribute = Object.entries(attrs).map(([k, v]) =>
      typeof v === 'number'
        ? Number.isInteger(v) && k !== 'alpha' && k !== 'beta'
          ? { name: k, type: AttrType.INT, i: v }
          : { name: k, type: AttrType.FLOAT, f: v }
        : { name: k, type: AttrType.INTS, ints: [...v] },
    );
    this.nodes.push({ opType: op, name, input: [...inputs], output: outs, attribute });
    return outs;
  }

  /** The ModelProto, encoded. */
  encode(docString: string): Uint8Array {
    const M = modelProto();
    const obj = {
      irVersion: IR_VERSION,
      producerName: '@hera/engine-onnx',
      producerVersion: '0.1.0',
      docString,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: { name: this.name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    };
    return M.encode(M.fromObject(obj)).finish();
  }
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): ValueInfoObj {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map(d => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}
