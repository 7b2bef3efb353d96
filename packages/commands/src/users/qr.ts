import qrcode from "qrcode-generator";

/**
 * A QR code as terminal text, two modules per character row with half blocks. Light
 * modules are drawn (as blocks) and dark ones left blank, which scans on the usual dark
 * terminal background; a quiet zone of `margin` light modules surrounds it (ISO 18004 asks
 * for 4, phones cope with 2).
 */
export function terminalQr(text: string, margin = 2): string {
  const qr = qrcode(0, "L");
  qr.addData(text, "Byte");
  qr.make();
  const size = qr.getModuleCount();
  const light = (row: number, col: number): boolean =>
    row < 0 || col < 0 || row >= size || col >= size || !qr.isDark(row, col);
  const lines: string[] = [];
  for (let row = -margin; row < size + margin; row += 2) {
    let line = "";
    for (let col = -margin; col < size + margin; col++) {
      const top = light(row, col);
      const bottom = row + 1 < size + margin ? light(row + 1, col) : false;
      line += top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ";
    }
    lines.push(line);
  }
  return lines.join("\n");
}

/** The module matrix (true = dark), for tests. */
export function qrMatrix(text: string): boolean[][] {
  const qr = qrcode(0, "L");
  qr.addData(text, "Byte");
  qr.make();
  const size = qr.getModuleCount();
  return Array.from({ length: size }, (_, r) => Array.from({ length: size }, (_, c) => qr.isDark(r, c)));
}
