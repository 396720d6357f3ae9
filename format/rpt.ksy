# SPDX-License-Identifier: ISC
meta:
  id: rpt
  title: rpt signed bulletin archive, format version 1
  file-extension: rpt
  license: CC0-1.0
  endian: le
  encoding: UTF-8
doc: |
  An rpt archive: the 8-byte magic, then chunks until the end of the file.
  Each chunk is type (4 ASCII letters), u32 body length, body, and a CRC-32
  over type and body. This description parses the structure only; it does
  not check CRCs, varint canonical form, signatures or digests (see
  spec/FORMAT.md and tests/conformance/rpt_ref.py for that). A file with
  an incomplete tail (an interrupted append) does not parse to the end.
doc-ref: spec/FORMAT.md
seq:
  - id: magic
    contents: [0x81, 0x52, 0x50, 0x54, 0x0d, 0x0a, 0x1a, 0x0a]
  - id: chunks
    type: chunk
    repeat: eos
types:
  chunk:
    seq:
      - id: type_code
        type: str
        size: 4
        encoding: ASCII
      - id: len_body
        type: u4
      - id: body
        size: len_body
        type:
          switch-on: type_code
          cases:
            '"HEAD"': head_body
            '"KEYS"': keys_body
            '"DICT"': dict_body
            '"RECD"': recd_body
            '"INDX"': indx_body
            '"SEAL"': seal_body
            '"TRLR"': trlr_body
      - id: crc32
        type: u4
        doc: zlib CRC-32 over type_code (4 bytes) then body.
    instances:
      is_critical:
        value: type_code.substring(0, 1) >= "A" and type_code.substring(0, 1) <= "Z"
        doc: First letter upper case; an unknown critical chunk stops a reader.

  vlq:
    doc: |
      Unsigned LEB128: 7 bits a byte, least significant group first, high
      bit set on every byte but the last; at most 10 bytes. Canonical form
      (no trailing zero group) is required by the spec but not checked here.
    seq:
      - id: groups
        type: u1
        repeat: until
        repeat-until: (_ & 0x80) == 0 or _index == 9
    instances:
      len:
        value: groups.size
      value:
        doc: |
          The number. Built by multiplication rather than shifts so that
          targets with 32-bit shift operators (JavaScript) stay exact up
          to 2^53.
        value: >-
          (groups[0] & 0x7f)
          + (len > 1 ? (groups[1] & 0x7f) * 0x80 : 0)
          + (len > 2 ? (groups[2] & 0x7f) * 0x4000 : 0)
          + (len > 3 ? (groups[3] & 0x7f) * 0x200000 : 0)
          + (len > 4 ? (groups[4] & 0x7f) * 0x10000000 : 0)
          + (len > 5 ? (groups[5] & 0x7f) * 0x800000000 : 0)
          + (len > 6 ? (groups[6] & 0x7f) * 0x40000000000 : 0)
          + (len > 7 ? (groups[7] & 0x7f) * 0x2000000000000 : 0)
          + (len > 8 ? (groups[8] & 0x7f) * 0x100000000000000 : 0)
          + (len > 9 ? (groups[9] & 0x01) * 0x8000000000000000 : 0)

  text:
    doc: A varint length, then that many bytes of UTF-8 (no NUL).
    seq:
      - id: len_value
        type: vlq
      - id: value
        type: str
        size: len_value.value

  blob:
    doc: A varint length, then that many raw bytes.
    seq:
      - id: len_value
        type: vlq
      - id: value
        size: len_value.value

  head_body:
    seq:
      - id: major
        type: u1
        valid: 1
      - id: minor
        type: u1
      - id: archive_id
        size: 16
      - id: created
        type: s8
        doc: Unix time, seconds.
      - id: software
        type: text
      - id: later_fields
        size-eos: true
        doc: Fields of a later minor version; ignored.

  keys_body:
    seq:
      - id: count
        type: vlq
      - id: keys
        type: key_entry
        repeat: expr
        repeat-expr: count.value
      - id: later_fields
        size-eos: true
  key_entry:
    seq:
      - id: key_id
        size: 8
        doc: minisign's key number; shown as the LE u64 in upper-case hex.
      - id: public_key
        size: 32
      - id: comment
        type: text

  dict_body:
    seq:
      - id: number
        type: vlq
      - id: dict_id
        size: 32
        doc: BLAKE2b-256 of the dictionary bytes.
      - id: dictionary
        type: blob
      - id: later_fields
        size-eos: true

  recd_body:
    seq:
      # metadata section M (signed)
      - id: name
        type: text
      - id: issued
        type: s8
      - id: title
        type: text
      - id: source
        type: text
      - id: media_type
        type: text
        doc: Empty means text/plain; charset=utf-8.
      - id: num_meta
        type: vlq
      - id: meta
        type: meta_pair
        repeat: expr
        repeat-expr: num_meta.value
      - id: size
        type: vlq
        doc: Uncompressed payload bytes. End of the metadata section.
      # not part of M
      - id: method
        type: u1
        enum: method
      - id: dict_number
        type: vlq
        if: method == method::deflate_dict
      - id: key_id
        size: 8
      - id: signature
        size: 64
        doc: Ed25519 over "RPT-RECORD-V1\0\0\0" || BLAKE2b-512(M || payload).
      - id: payload
        type: blob
        doc: The stored bytes (raw deflate for methods 1 and 2).
      - id: later_fields
        size-eos: true
  meta_pair:
    seq:
      - id: key
        type: text
      - id: value
        type: text

  indx_body:
    doc: |
      An index segment: a header ending with a BLAKE2b-256 digest of each
      block of the data area, then the data area (entries, lookup, marks),
      which runs to the end of the body. Block digests are not checked here.
    seq:
      # header
      - id: num_entries
        type: vlq
      - id: first
        type: vlq
        doc: Record number of the first entry.
      - id: num_segments
        type: vlq
      - id: segments
        type: segment_ref
        repeat: expr
        repeat-expr: num_segments.value
      - id: num_aux
        type: vlq
      - id: aux_offsets
        type: u8
        repeat: expr
        repeat-expr: num_aux.value
        doc: Offsets of every KEYS and DICT chunk, in file order.
      - id: len_entries
        type: vlq
        doc: Bytes of the entries area, the first part of the data area.
      - id: block_size
        type: vlq
        doc: |
          Bytes per block of the data area (16384 by the writer); the last
          block may be shorter.
      - id: num_blocks
        type: vlq
        doc: Number of blocks of the data area, ceil(data area length / block_size).
      - id: block_digests
        size: 32
        repeat: expr
        repeat-expr: num_blocks.value
        doc: BLAKE2b-256 of each block of the data area, in order.
      # data area: everything from here to the end of the body
      - id: entries
        size: len_entries.value
        type: index_entries
      - id: lookup
        type: lookup_slot
        repeat: expr
        repeat-expr: num_entries.value
      - id: marks
        type: u4
        repeat: expr
        repeat-expr: (num_entries.value + 63) / 64
        doc: |
          Byte position, within entries, of entry 0, 64, 128, ... (one mark
          every 64 entries), so a reader can find entry k by parsing forward
          from mark k / 64.
    instances:
      ofs_data:
        value: >-
          num_entries.len + first.len + num_segments.len + 40 * num_segments.value
          + num_aux.len + 8 * num_aux.value + len_entries.len + block_size.len
          + num_blocks.len + 32 * num_blocks.value
        doc: Start of the data area within the body (the header's length).
      len_data:
        value: len_entries.value + 8 * num_entries.value + 4 * marks.size
        doc: |
          Length of the data area; a valid segment's body ends exactly here
          (ofs_data + len_data == body length).
  segment_ref:
    seq:
      - id: offset
        type: u8
      - id: root
        size: 32
        doc: BLAKE2b-256 of that whole INDX chunk.
  index_entries:
    seq:
      - id: entries
        type: index_entry
        repeat: eos
  index_entry:
    seq:
      - id: name
        type: text
      - id: offset
        type: vlq
      - id: stored
        type: vlq
        doc: Bytes of the whole RECD chunk, framing included.
      - id: size
        type: vlq
      - id: issued
        type: s8
      - id: digest
        size: 32
        doc: BLAKE2b-256 of the whole RECD chunk.
  lookup_slot:
    seq:
      - id: hash
        type: u4
        doc: First 4 bytes, as LE u32, of BLAKE2b-256(name).
      - id: number
        type: u4
        doc: Number of the entry within this segment (0 to num_entries - 1).

  seal_body:
    seq:
      - id: generation
        type: u4
      - id: record_count
        type: u8
      - id: digest_d
        size: 32
      - id: prev
        size: 32
      - id: key_id
        size: 8
      - id: signature
        size: 64
      - id: later_fields
        size-eos: true

  trlr_body:
    seq:
      - id: index_offset
        type: u8
      - id: seal_offset
        type: u8
      - id: prev_trailer_offset
        type: u8
      - id: generation
        type: u4
      - id: record_count
        type: u8

enums:
  method:
    0: stored
    1: deflate
    2: deflate_dict
