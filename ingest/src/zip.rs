//! A small zip reader for attachments: the central directory, stored and deflated
//! entries, nothing else. Zip files from strangers are bombs, loops and lies, so:
//!
//! - entries are only ever located through the central directory, and every offset and
//!   length is checked against the buffer before it is used;
//! - an entry's declared size, its actually decoded size and the total decoded by one
//!   archive are all capped, and inflation stops at the cap instead of trusting the
//!   declared size (a bomb declares small and decodes big);
//! - the CRC of every decoded entry is checked;
//! - encrypted entries, other compression methods and multi-disk archives are errors.
//!
//! Nothing here writes to disk: entries are decoded into memory, and only by the office
//! document readers. Archives attached as such are listed, never decoded.

use std::fmt;

/// Limits on reading one archive.
#[derive(Debug, Clone)]
pub struct ZipLimits {
    /// Archives with more central directory entries than this are refused.
    pub max_entries: usize,
    /// An entry that declares or decodes to more than this is refused.
    pub max_entry_bytes: u64,
    /// All entries decoded from one archive together may not exceed this.
    pub max_total_bytes: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_entries: 10_000,
            max_entry_bytes: 64 * 1024 * 1024,
            max_total_bytes: 128 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    #[error("not a zip file (no end of central directory record)")]
    NotZip,
    #[error("corrupt zip file: {0}")]
    Corrupt(String),
    #[error("the archive is encrypted (password-protected)")]
    Encrypted,
    #[error("the archive has {count} entries, more than the limit of {max}")]
    TooManyEntries { count: u64, max: usize },
    #[error("entry {name} is larger than the limit of {max} bytes (a zip bomb?)")]
    EntryTooLarge { name: String, max: u64 },
    #[error("the archive decodes to more than the limit of {max} bytes (a zip bomb?)")]
    TotalTooLarge { max: u64 },
    #[error("entry {name} uses compression method {method}, which is not supported")]
    UnsupportedMethod { name: String, method: u16 },
    #[error("unsupported zip file: {0}")]
    Unsupported(String),
}

/// One central directory entry.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// As stored; not a path to be trusted (may contain `..`, `/`, control characters).
    pub name: String,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    pub method: u16,
    pub flags: u16,
    pub crc32: u32,
    local_offset: u64,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} ({} -> {} bytes, method {})",
            self.name, self.compressed_size, self.uncompressed_size, self.method
        )
    }
}

impl Entry {
    /// Traditional PKWARE encryption (bit 0), strong encryption (bit 6), or WinZip AES
    /// (method 99).
    pub fn is_encrypted(&self) -> bool {
        self.flags & 0x0001 != 0 || self.flags & 0x0040 != 0 || self.method == 99
    }

    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// An archive in memory, its central directory read.
pub struct ZipArchive<'a> {
    data: &'a [u8],
    entries: Vec<Entry>,
    limits: ZipLimits,
    decoded_total: u64,
}

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD64_LOCATOR_SIG: u32 = 0x0706_4b50;
const EOCD64_SIG: u32 = 0x0606_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;

/// Little-endian reads that fail instead of panicking on short input.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn at(data: &'a [u8], pos: usize) -> Self {
        Cursor { data, pos }
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], ZipError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| ZipError::Corrupt("a record runs past the end of the file".into()))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16, ZipError> {
        let b = self.bytes(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, ZipError> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, ZipError> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

fn to_usize(v: u64, what: &str) -> Result<usize, ZipError> {
    usize::try_from(v).map_err(|_| ZipError::Corrupt(format!("{what} out of range")))
}

impl<'a> ZipArchive<'a> {
    /// Read the central directory. Fails on anything that is not a well-formed,
    /// single-disk zip within `limits.max_entries`.
    pub fn open(data: &'a [u8], limits: ZipLimits) -> Result<Self, ZipError> {
        let eocd = find_eocd(data).ok_or(ZipError::NotZip)?;
        let mut c = Cursor::at(data, eocd + 4);
        let disk = c.u16()?;
        let cd_disk = c.u16()?;
        let _entries_on_disk = c.u16()?;
        let mut count = u64::from(c.u16()?);
        let mut cd_size = u64::from(c.u32()?);
        let mut cd_offset = u64::from(c.u32()?);
        if disk != 0 || cd_disk != 0 {
            return Err(ZipError::Unsupported("multi-disk archive".into()));
        }
        if count == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
            (count, cd_size, cd_offset) = read_zip64_eocd(data, eocd)?;
        }
        if count > limits.max_entries as u64 {
            return Err(ZipError::TooManyEntries {
                count,
                max: limits.max_entries,
            });
        }
        let cd_start = to_usize(cd_offset, "central directory offset")?;
        let cd_end = cd_start
            .checked_add(to_usize(cd_size, "central directory size")?)
            .filter(|&e| e <= data.len())
            .ok_or_else(|| ZipError::Corrupt("central directory outside the file".into()))?;
        let cd = &data[..cd_end];
        let mut c = Cursor::at(cd, cd_start);
        // Each record is at least 46 bytes, so `count` is also bounded by the size.
        let mut entries = Vec::with_capacity(count.min(cd_size / 46) as usize);
        for _ in 0..count {
            entries.push(read_central_entry(&mut c)?);
        }
        Ok(ZipArchive {
            data,
            entries,
            limits,
            decoded_total: 0,
        })
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The first entry with exactly this name.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.name == name)
    }

    /// Decode entry `index` (from [`entries`](Self::entries)), within the limits.
    pub fn read(&mut self, index: usize) -> Result<Vec<u8>, ZipError> {
        let entry = self
            .entries
            .get(index)
            .cloned()
            .ok_or_else(|| ZipError::Corrupt("no such entry".into()))?;
        if entry.is_encrypted() {
            return Err(ZipError::Encrypted);
        }
        let remaining = self
            .limits
            .max_total_bytes
            .saturating_sub(self.decoded_total);
        let cap = self.limits.max_entry_bytes.min(remaining);
        let too_large = || {
            if cap < self.limits.max_entry_bytes {
                ZipError::TotalTooLarge {
                    max: self.limits.max_total_bytes,
                }
            } else {
                ZipError::EntryTooLarge {
                    name: entry.name.clone(),
                    max: self.limits.max_entry_bytes,
                }
            }
        };
        if entry.uncompressed_size > cap {
            return Err(too_large());
        }
        let compressed = self.entry_data(&entry)?;
        let decoded = match entry.method {
            0 => {
                if compressed.len() as u64 != entry.uncompressed_size {
                    return Err(ZipError::Corrupt(format!(
                        "stored entry {} has inconsistent sizes",
                        entry.name
                    )));
                }
                compressed.to_vec()
            }
            8 => {
                // Inflate to at most `cap` bytes, whatever the entry declares: the
                // declared size of a bomb is a lie.
                let cap = to_usize(cap, "size limit")?;
                match miniz_oxide::inflate::decompress_to_vec_with_limit(compressed, cap) {
                    Ok(out) => out,
                    Err(e) if e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                        return Err(too_large());
                    }
                    Err(e) => {
                        return Err(ZipError::Corrupt(format!(
                            "entry {} does not inflate: {e}",
                            entry.name
                        )));
                    }
                }
            }
            method => {
                return Err(ZipError::UnsupportedMethod {
                    name: entry.name.clone(),
                    method,
                });
            }
        };
        if decoded.len() as u64 != entry.uncompressed_size {
            return Err(ZipError::Corrupt(format!(
                "entry {} decodes to {} bytes, not the {} it declares",
                entry.name,
                decoded.len(),
                entry.uncompressed_size
            )));
        }
        if crc32fast::hash(&decoded) != entry.crc32 {
            return Err(ZipError::Corrupt(format!(
                "entry {} fails its CRC check",
                entry.name
            )));
        }
        self.decoded_total += decoded.len() as u64;
        Ok(decoded)
    }

    /// Decode the entry with this name, if there is one.
    pub fn read_named(&mut self, name: &str) -> Result<Option<Vec<u8>>, ZipError> {
        match self.find(name) {
            Some(i) => self.read(i).map(Some),
            None => Ok(None),
        }
    }

    /// The compressed bytes of an entry, found through its local header.
    fn entry_data(&self, entry: &Entry) -> Result<&'a [u8], ZipError> {
        let start = to_usize(entry.local_offset, "local header offset")?;
        let mut c = Cursor::at(self.data, start);
        if c.u32()? != LOCAL_SIG {
            return Err(ZipError::Corrupt(format!(
                "entry {} has no local header",
                entry.name
            )));
        }
        c.bytes(22)?;
        let name_len = c.u16()? as usize;
        let extra_len = c.u16()? as usize;
        c.bytes(name_len + extra_len)?;
        // Sizes come from the central directory: with a data descriptor (flag bit 3) the
        // local header's sizes are zero.
        c.bytes(to_usize(entry.compressed_size, "compressed size")?)
    }
}

/// The end of central directory record is within the last 64 KiB + 22 bytes; search it
/// backwards so that a comment containing the signature cannot shadow the real one.
fn find_eocd(data: &[u8]) -> Option<usize> {
    if data.len() < 22 {
        return None;
    }
    let lowest = data.len().saturating_sub(22 + 0xFFFF);
    (lowest..=data.len() - 22).rev().find(|&i| {
        data[i..i + 4] == EOCD_SIG.to_le_bytes() && {
            let comment_len = u16::from_le_bytes([data[i + 20], data[i + 21]]) as usize;
            i + 22 + comment_len <= data.len()
        }
    })
}

fn read_zip64_eocd(data: &[u8], eocd: usize) -> Result<(u64, u64, u64), ZipError> {
    let locator = eocd
        .checked_sub(20)
        .ok_or_else(|| ZipError::Corrupt("no zip64 end of central directory locator".into()))?;
    let mut c = Cursor::at(data, locator);
    if c.u32()? != EOCD64_LOCATOR_SIG {
        return Err(ZipError::Corrupt(
            "no zip64 end of central directory locator".into(),
        ));
    }
    let _disk = c.u32()?;
    let offset = to_usize(c.u64()?, "zip64 record offset")?;
    let mut c = Cursor::at(data, offset);
    if c.u32()? != EOCD64_SIG {
        return Err(ZipError::Corrupt(
            "no zip64 end of central directory record".into(),
        ));
    }
    let _size = c.u64()?;
    let _made_by = c.u16()?;
    let _needed = c.u16()?;
    let disk = c.u32()?;
    let cd_disk = c.u32()?;
    let _on_disk = c.u64()?;
    let count = c.u64()?;
    let cd_size = c.u64()?;
    let cd_offset = c.u64()?;
    if disk != 0 || cd_disk != 0 {
        return Err(ZipError::Unsupported("multi-disk archive".into()));
    }
    Ok((count, cd_size, cd_offset))
}

fn read_central_entry(c: &mut Cursor<'_>) -> Result<Entry, ZipError> {
    if c.u32()? != CENTRAL_SIG {
        return Err(ZipError::Corrupt("bad central directory record".into()));
    }
    let _made_by = c.u16()?;
    let _needed = c.u16()?;
    let flags = c.u16()?;
    let method = c.u16()?;
    let _time = c.u16()?;
    let _date = c.u16()?;
    let crc32 = c.u32()?;
    let mut compressed_size = u64::from(c.u32()?);
    let mut uncompressed_size = u64::from(c.u32()?);
    let name_len = c.u16()? as usize;
    let extra_len = c.u16()? as usize;
    let comment_len = c.u16()? as usize;
    let disk_start = c.u16()?;
    let _internal = c.u16()?;
    let _external = c.u32()?;
    let mut local_offset = u64::from(c.u32()?);
    let name_bytes = c.bytes(name_len)?;
    let extra = c.bytes(extra_len)?;
    c.bytes(comment_len)?;
    if disk_start != 0 && disk_start != 0xFFFF {
        return Err(ZipError::Unsupported("multi-disk archive".into()));
    }
    // Zip64 extended information: present values replace the 0xFFFFFFFF placeholders,
    // in this order.
    let mut e = Cursor::at(extra, 0);
    while e.pos + 4 <= extra.len() {
        let id = e.u16()?;
        let len = e.u16()? as usize;
        let body = e.bytes(len)?;
        if id == 0x0001 {
            let mut z = Cursor::at(body, 0);
            if uncompressed_size == 0xFFFF_FFFF {
                uncompressed_size = z.u64()?;
            }
            if compressed_size == 0xFFFF_FFFF {
                compressed_size = z.u64()?;
            }
            if local_offset == 0xFFFF_FFFF {
                local_offset = z.u64()?;
            }
        }
    }
    // Names are UTF-8 when flag bit 11 is set, else CP437; both read lossily, as the
    // name is only ever shown or compared with ASCII names.
    let name = String::from_utf8_lossy(name_bytes).into_owned();
    Ok(Entry {
        name,
        compressed_size,
        uncompressed_size,
        method,
        flags,
        crc32,
        local_offset,
    })
}

/// Builds zip files for tests: stored or deflated entries, optional lies in the
/// headers.
#[cfg(test)]
pub(crate) mod testzip {
    pub struct FileSpec<'a> {
        pub name: &'a str,
        pub data: &'a [u8],
        pub deflate: bool,
        /// Declared uncompressed size instead of the real one.
        pub declared_size: Option<u32>,
        pub flags: u16,
    }

    impl<'a> FileSpec<'a> {
        pub fn new(name: &'a str, data: &'a [u8]) -> Self {
            FileSpec {
                name,
                data,
                deflate: true,
                declared_size: None,
                flags: 0,
            }
        }
    }

    pub fn build(files: &[FileSpec<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for f in files {
            let body = if f.deflate {
                miniz_oxide::deflate::compress_to_vec(f.data, 6)
            } else {
                f.data.to_vec()
            };
            let crc = crc32fast::hash(f.data);
            let size = f.declared_size.unwrap_or(f.data.len() as u32);
            let method: u16 = if f.deflate { 8 } else { 0 };
            let offset = out.len() as u32;
            let header = |sig: u32, central: bool| {
                let mut h = Vec::new();
                h.extend_from_slice(&sig.to_le_bytes());
                if central {
                    h.extend_from_slice(&20u16.to_le_bytes());
                }
                h.extend_from_slice(&20u16.to_le_bytes());
                h.extend_from_slice(&f.flags.to_le_bytes());
                h.extend_from_slice(&method.to_le_bytes());
                h.extend_from_slice(&[0, 0, 0, 0]);
                h.extend_from_slice(&crc.to_le_bytes());
                h.extend_from_slice(&(body.len() as u32).to_le_bytes());
                h.extend_from_slice(&size.to_le_bytes());
                h.extend_from_slice(&(f.name.len() as u16).to_le_bytes());
                h.extend_from_slice(&0u16.to_le_bytes());
                if central {
                    // comment length, disk, internal and external attributes
                    h.extend_from_slice(&[0; 10]);
                    h.extend_from_slice(&offset.to_le_bytes());
                }
                h.extend_from_slice(f.name.as_bytes());
                h
            };
            out.extend(header(super::LOCAL_SIG, false));
            out.extend_from_slice(&body);
            central.extend(header(super::CENTRAL_SIG, true));
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(&super::EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(files.len() as u16).to_le_bytes());
        out.extend_from_slice(&(files.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::testzip::{FileSpec, build};
    use super::*;

    #[test]
    fn stored_and_deflated_entries_are_read() {
        let z = build(&[
            FileSpec {
                deflate: false,
                ..FileSpec::new("a.txt", b"hello")
            },
            FileSpec::new("dir/b.xml", b"<x>world</x>"),
        ]);
        let mut a = ZipArchive::open(&z, ZipLimits::default()).unwrap();
        assert_eq!(a.entries().len(), 2);
        assert_eq!(a.read_named("a.txt").unwrap().unwrap(), b"hello");
        assert_eq!(a.read_named("dir/b.xml").unwrap().unwrap(), b"<x>world</x>");
        assert_eq!(a.read_named("missing").unwrap(), None);
    }

    #[test]
    fn a_bomb_that_declares_a_small_size_stops_at_the_cap() {
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let z = build(&[FileSpec {
            declared_size: Some(100),
            ..FileSpec::new("bomb.xml", &zeros)
        }]);
        let limits = ZipLimits {
            max_entry_bytes: 1024 * 1024,
            ..ZipLimits::default()
        };
        let mut a = ZipArchive::open(&z, limits).unwrap();
        assert!(matches!(a.read(0), Err(ZipError::EntryTooLarge { .. })));
    }

    #[test]
    fn a_declared_size_over_the_limit_is_refused_before_decoding() {
        let z = build(&[FileSpec {
            declared_size: Some(u32::MAX - 1),
            ..FileSpec::new("big", b"x")
        }]);
        let mut a = ZipArchive::open(&z, ZipLimits::default()).unwrap();
        assert!(matches!(a.read(0), Err(ZipError::EntryTooLarge { .. })));
    }

    #[test]
    fn the_total_decoded_is_capped() {
        let data = vec![b'a'; 600 * 1024];
        let z = build(&[
            FileSpec::new("1", &data),
            FileSpec::new("2", &data),
            FileSpec::new("3", &data),
        ]);
        let limits = ZipLimits {
            max_entry_bytes: 1024 * 1024,
            max_total_bytes: 1024 * 1024,
            ..ZipLimits::default()
        };
        let mut a = ZipArchive::open(&z, limits).unwrap();
        assert!(a.read(0).is_ok());
        assert!(matches!(a.read(1), Err(ZipError::TotalTooLarge { .. })));
    }

    #[test]
    fn too_many_entries_are_refused() {
        let specs: Vec<_> = (0..20).map(|_| FileSpec::new("f", b"x")).collect();
        let z = build(&specs);
        let limits = ZipLimits {
            max_entries: 10,
            ..ZipLimits::default()
        };
        assert!(matches!(
            ZipArchive::open(&z, limits),
            Err(ZipError::TooManyEntries { count: 20, .. })
        ));
    }

    #[test]
    fn encrypted_entries_are_refused() {
        let z = build(&[FileSpec {
            flags: 1,
            ..FileSpec::new("secret.pdf", b"x")
        }]);
        let mut a = ZipArchive::open(&z, ZipLimits::default()).unwrap();
        assert!(a.entries()[0].is_encrypted());
        assert_eq!(a.read(0), Err(ZipError::Encrypted));
    }

    #[test]
    fn corrupt_archives_are_errors_not_panics() {
        let good = build(&[FileSpec::new("a.xml", b"<a>some text here</a>")]);
        assert_eq!(
            ZipArchive::open(b"not a zip", ZipLimits::default()).err(),
            Some(ZipError::NotZip)
        );
        // Every truncation and every single-byte corruption: an error or a value,
        // never a panic.
        for cut in 0..good.len() {
            if let Ok(mut a) = ZipArchive::open(&good[..cut], ZipLimits::default()) {
                let _ = a.read(0);
            }
        }
        for i in 0..good.len() {
            for v in [0x00, 0xFF, 0x7F] {
                let mut bad = good.clone();
                bad[i] = v;
                if let Ok(mut a) = ZipArchive::open(&bad, ZipLimits::default()) {
                    let _ = a.read(0);
                }
            }
        }
        let mut flipped = good.clone();
        // Corrupt the deflate stream itself: CRC or inflate error.
        flipped[36] ^= 0x55;
        let mut a = ZipArchive::open(&flipped, ZipLimits::default()).unwrap();
        assert!(matches!(a.read(0), Err(ZipError::Corrupt(_))));
    }
}
