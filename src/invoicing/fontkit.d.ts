/** The part of fontkit (PDFKit's font engine) the PDFs use to know which characters the embedded font can draw. */
declare module "fontkit" {
  interface Font {
    characterSet: number[];
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  export function create(buffer: Buffer): Font;
}
