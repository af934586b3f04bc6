//! Made-up but well-formed people: Chinese names, resident ID numbers with a correct
//! GB 11643 check character, distinct mobile numbers. Seeded, so every demo is the same.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "丁", "秦", "厉", "卢", "牟", "安",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "海燕", "志强", "晓东", "红梅",
    "立新", "玉兰", "文博", "思远", "雪", "晨", "浩然", "欣怡", "子涵", "宇航", "佳琪", "俊杰",
    "婷婷", "国庆", "建国", "春生", "秋菊", "海鹏", "振华", "德胜", "丽娟", "凤英",
];
const POSITIONS: &[&str] = &[
    "职工",
    "职工",
    "职工",
    "班组长",
    "技术员",
    "会计",
    "科员",
    "主管",
];

pub struct Person {
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub position: &'static str,
    pub migrant_worker: bool,
    pub joined_on: chrono::NaiveDate,
}

/// The check character of the first 17 digits (GB 11643-1999).
pub fn check_character(first17: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

pub struct People {
    rng: StdRng,
    count: u32,
}

impl People {
    pub fn new() -> Self {
        Self {
            rng: StdRng::seed_from_u64(20261001),
            count: 0,
        }
    }

    /// The next person, registered in the district with code `region` (e.g. 371102).
    pub fn next(&mut self, region: &str) -> Person {
        self.count += 1;
        let n = self.count;
        let surname = SURNAMES[self.rng.random_range(0..SURNAMES.len())];
        let given = GIVEN[self.rng.random_range(0..GIVEN.len())];
        let birth = chrono::NaiveDate::from_ymd_opt(1965, 1, 1).unwrap_or_default()
            + chrono::Days::new(self.rng.random_range(0..12_500));
        // The sequence number makes every ID distinct; its last digit is the gender.
        let first17 = format!("{region}{}{:03}", birth.format("%Y%m%d"), n % 1000);
        let id_number = format!("{first17}{}", check_character(&first17));
        let prefix = ["135", "138", "139", "150", "158", "186", "188"][(n % 7) as usize];
        let joined = chrono::NaiveDate::from_ymd_opt(2008, 1, 1).unwrap_or_default()
            + chrono::Days::new(self.rng.random_range(0..6_000));
        Person {
            name: format!("{surname}{given}"),
            phone: format!("{prefix}{:08}", 6_330_000 + n),
            id_number,
            position: POSITIONS[self.rng.random_range(0..POSITIONS.len())],
            migrant_worker: self.rng.random_bool(0.15),
            joined_on: joined,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_people_have_valid_distinct_id_numbers_and_phones() {
        let mut people = People::new();
        let mut ids = std::collections::HashSet::new();
        let mut phones = std::collections::HashSet::new();
        for _ in 0..700 {
            let p = people.next("371102");
            entity::value::IdNumber::parse(entity::value::IdType::ResidentId, &p.id_number)
                .expect("valid ID number");
            assert!(ids.insert(p.id_number));
            assert!(phones.insert(p.phone));
        }
    }

    #[test]
    fn the_check_character_matches_the_standard_example() {
        assert_eq!(check_character("11010519491231002"), 'X');
    }
}
