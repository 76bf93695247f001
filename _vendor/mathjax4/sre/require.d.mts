export function require(file: string): any;
