import { InvalidArgumentError } from '../../errors.js';
import type { Address } from '../wire.js';

/**
 * The current network partition: addresses in different sides cannot exchange frames;
 * addresses in no side (and any address with itself) are unaffected.
 */
export class Partition {
  private readonly sideOf = new Map<Address, number>();

  constructor(sides: readonly (readonly Address[])[]) {
    sides.forEach((side, index) => {
      if (!Array.isArray(side)) throw new InvalidArgumentError('each partition side must be an array of addresses');
      for (const address of side) {
        const previous = this.sideOf.get(address);
        if (previous !== undefined && previous !== index) {
          throw new InvalidArgumentError(`address "${address}" is listed in two partition sides`);
        }
        this.sideOf.set(address, index);
      }
    });
  }

  connected(a: Address, b: Address): boolean {
    const sideA = this.sideOf.get(a);
    if (sideA === undefined) return true;
    const sideB = this.sideOf.get(b);
    return sideB === undefined || sideA === sideB;
  }
}
