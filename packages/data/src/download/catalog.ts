/**
 * The datasets `dkl data download` knows: official URLs and the published MD5 checksums (the same
 * constants torchvision's `datasets` use), so a download is verified before anything reads it.
 */

/** One file of a download: fetched from `baseUrl + name` (or a mirror + name) and checked against `md5`. */
export interface DownloadFile {
  readonly name: string;
  /** Lower-case hex MD5 of the whole file as published. */
  readonly md5: string;
}

/** A downloadable dataset: its files, where they live, and whether they are tar.gz archives to extract. */
export interface DownloadSpec {
  /** Cache sub-directory and lock name (`cifar100` -> `<data dir>/cifar100/`). */
  readonly name: string;
  /** Official base URL, ending with `/`. */
  readonly baseUrl: string;
  readonly files: readonly DownloadFile[];
  /** `tar.gz`: extract every file into the dataset directory; `none`: keep the files as they are. */
  readonly extract: 'tar.gz' | 'none';
}

/** The binary CIFAR archives' home. */
const CIFAR_BASE_URL = 'https://www.cs.toronto.edu/~kriz/';

/** MNIST's and Fashion-MNIST's four IDX files: train images, train labels, test images, test labels. */
const IDX_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'] as const;

/** The four IDX files under `baseUrl` with their published MD5s, in IDX_FILES order. */
function idxDownload(name: string, baseUrl: string, md5s: readonly [string, string, string, string]): DownloadSpec {
  return { name, baseUrl, files: IDX_FILES.map((file, i) => ({ name: file, md5: md5s[i]! })), extract: 'none' };
}

/** CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html). */
export const CIFAR10_DOWNLOAD: DownloadSpec = {
  name: 'cifar10',
  baseUrl: CIFAR_BASE_URL,
  files: [{ name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' }],
  extract: 'tar.gz',
};

/** CIFAR-100, binary version. */
export const CIFAR100_DOWNLOAD: DownloadSpec = {
  name: 'cifar100',
  baseUrl: CIFAR_BASE_URL,
  files: [{ name: 'cifar-100-binary.tar.gz', md5: '03b5dce01913d631647c71ecec9e9cb8' }],
  extract: 'tar.gz',
};

/** MNIST, the official IDX files (official 60,000 / 10,000 split), from the mirror torchvision uses first. */
export const MNIST_DOWNLOAD: DownloadSpec = idxDownload('mnist', 'https://ossci-datasets.s3.amazonaws.com/mnist/', [
  'f68b3c2dcbeaaa9fbdd348bbdeb94873',
  'd53e105ee54ea40749a09fcbcd1e9432',
  '9fb629c4189551a2d022fa330f9573f3',
  'ec29112dd5afa0611ce80d1b7f02629c',
]);

/** Fashion-MNIST, the official IDX files (official 60,000 / 10,000 split). */
export const FASHION_MNIST_DOWNLOAD: DownloadSpec = idxDownload('fashion-mnist', 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/', [
  '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  '25c81989df183df01b3e8a0aad5dffbe',
  'bef4ecab320f06d8554ea6380940ec79',
  'bb300cfdad3c16e7a12a480ee83fd310',
]);

/** Every downloadable dataset by the name `dkl data download <name>` and `dataset.name` use. */
export const DATASET_DOWNLOADS: Readonly<Record<string, DownloadSpec>> = {
  cifar10: CIFAR10_DOWNLOAD,
  cifar100: CIFAR100_DOWNLOAD,
  mnist: MNIST_DOWNLOAD,
  'fashion-mnist': FASHION_MNIST_DOWNLOAD,
};
